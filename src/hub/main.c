/* district-hub: packs, publishes and serves content (commands grow with the issues). */
int main(void) { return 0; }
