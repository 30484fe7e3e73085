/* district-kiosk entry point (placeholder until the UI lands). */
int main(void) { return 0; }
