/* kiosk_speech.c: eSpeak NG on a thread of its own, feeding an SDL audio queue.
 *
 * The speech thread owns eSpeak (a library with global state, so one per process) and the only
 * shared state is one request slot under a mutex: the newest request replaces an older one,
 * because a visitor who taps "read aloud" twice wants the second, not both. Synthesis runs in
 * eSpeak's synchronous mode; its callback queues samples on the SDL device (SDL_QueueAudio
 * locks the device, so this is safe from any thread) and returns 1 to abort when a stop or a
 * new request arrives, so a stop takes effect within one buffer (about 60 ms). */
#include "kiosk_speech.h"

#include "dk_log.h"

#include <SDL.h>
#include <espeak-ng/speak_lib.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SYNTH_BUFFER_MS 60 /* [ms] audio eSpeak hands over per callback */

struct kiosk_speech {
    SDL_AudioDeviceID dev;
    SDL_Thread *thread;
    SDL_mutex *lock;
    SDL_cond *wake;
    /* The request slot, under lock. */
    char *text;       /* owned; NULL: nothing pending */
    dk_lang lang;
    int quit;
    /* Read by the callback without the lock. */
    atomic_uint generation; /* bumped by every say/stop: a running synthesis that sees a newer
                               generation aborts */
    atomic_int synthesising;
    atomic_ullong samples;
    int espeak_ready; /* speech thread only */
    int rate;         /* [Hz] eSpeak's sample rate, from espeak_Initialize */
};

/* eSpeak's callback has no user pointer of its own outside events; one speech object per
 * process (eSpeak is global anyway). */
static kiosk_speech *g_speech;
static unsigned g_running_generation;

static int on_samples(short *wav, int n, espeak_EVENT *events)
{
    (void)events;
    kiosk_speech *sp = g_speech;
    if (atomic_load(&sp->generation) != g_running_generation)
        return 1; /* stopped or replaced: abort this synthesis */
    if (wav && n > 0) {
        SDL_QueueAudio(sp->dev, wav, (Uint32)n * sizeof(short));
        atomic_fetch_add(&sp->samples, (unsigned long long)n);
    }
    return 0;
}

static int load_espeak(kiosk_speech *sp)
{
    if (sp->espeak_ready)
        return sp->rate > 0;
    sp->espeak_ready = 1;
    /* DONT_EXIT: a missing data folder must be an error here, not the end of the kiosk. */
    sp->rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, SYNTH_BUFFER_MS, NULL,
                                 espeakINITIALIZE_DONT_EXIT);
    if (sp->rate <= 0) {
        dk_error("speech: eSpeak NG could not start (is espeak-ng-data installed?)");
        return 0;
    }
    espeak_SetSynthCallback(on_samples);
    espeak_SetParameter(espeakRATE, KIOSK_SPEECH_RATE, 0);
    return 1;
}

static void speak(kiosk_speech *sp, dk_lang lang, const char *text, unsigned generation)
{
    if (!load_espeak(sp))
        return;
    if (espeak_SetVoiceByName(dk_lang_code(lang)) != EE_OK) {
        dk_warn("speech: no voice for %s, reading in German", dk_lang_code(lang));
        if (espeak_SetVoiceByName("de") != EE_OK)
            return;
    }
    g_running_generation = generation;
    atomic_store(&sp->synthesising, 1);
    espeak_ERROR e = espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0,
                                  espeakCHARS_UTF8, NULL, NULL);
    atomic_store(&sp->synthesising, 0);
    if (e != EE_OK && atomic_load(&sp->generation) == generation)
        dk_warn("speech: eSpeak NG failed (%d)", (int)e);
}

static int speech_thread(void *arg)
{
    kiosk_speech *sp = arg;
    SDL_LockMutex(sp->lock);
    for (;;) {
        while (!sp->text && !sp->quit)
            SDL_CondWait(sp->wake, sp->lock);
        if (sp->quit)
            break;
        char *text = sp->text;
        dk_lang lang = sp->lang;
        sp->text = NULL;
        unsigned generation = atomic_load(&sp->generation);
        SDL_UnlockMutex(sp->lock);
        speak(sp, lang, text, generation);
        free(text);
        SDL_LockMutex(sp->lock);
    }
    SDL_UnlockMutex(sp->lock);
    if (sp->espeak_ready && sp->rate > 0)
        espeak_Terminate();
    return 0;
}

dk_err kiosk_speech_new(kiosk_speech **out)
{
    *out = NULL;
    if (g_speech)
        return dk_error_set(DK_ERR_EXISTS, "speech output is already running");
    if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0)
        return dk_error_set(DK_ERR_NOTFOUND, "no audio: %s", SDL_GetError());
    kiosk_speech *sp = calloc(1, sizeof *sp);
    if (!sp)
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    /* eSpeak NG speaks at 22050 Hz, mono, 16 bit; SDL converts if the device wants otherwise. */
    SDL_AudioSpec want;
    memset(&want, 0, sizeof want);
    want.freq = 22050;
    want.format = AUDIO_S16SYS;
    want.channels = 1;
    want.samples = 1024;
    sp->dev = SDL_OpenAudioDevice(NULL, 0, &want, NULL, 0);
    if (!sp->dev) {
        dk_err err = dk_error_set(DK_ERR_NOTFOUND, "no audio device: %s", SDL_GetError());
        free(sp);
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
        return err;
    }
    sp->lock = SDL_CreateMutex();
    sp->wake = SDL_CreateCond();
    g_speech = sp;
    if (sp->lock && sp->wake)
        sp->thread = SDL_CreateThread(speech_thread, "speech", sp);
    if (!sp->thread) {
        kiosk_speech_free(sp);
        return dk_error_set(DK_ERR_NOMEM, "cannot start the speech thread: %s", SDL_GetError());
    }
    SDL_PauseAudioDevice(sp->dev, 0);
    *out = sp;
    return DK_OK;
}

void kiosk_speech_free(kiosk_speech *sp)
{
    if (!sp)
        return;
    if (sp->thread) {
        SDL_LockMutex(sp->lock);
        sp->quit = 1;
        atomic_fetch_add(&sp->generation, 1);
        SDL_CondSignal(sp->wake);
        SDL_UnlockMutex(sp->lock);
        SDL_WaitThread(sp->thread, NULL);
    }
    free(sp->text);
    if (sp->dev)
        SDL_CloseAudioDevice(sp->dev);
    SDL_DestroyCond(sp->wake);
    SDL_DestroyMutex(sp->lock);
    g_speech = NULL;
    free(sp);
    SDL_QuitSubSystem(SDL_INIT_AUDIO);
}

/* Cuts text at max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *text, size_t max)
{
    size_t n = strlen(text);
    if (n <= max)
        return n;
    while (max > 0 && ((unsigned char)text[max] & 0xC0) == 0x80)
        max--;
    return max;
}

void kiosk_speech_say(kiosk_speech *sp, dk_lang lang, const char *text)
{
    size_t n = utf8_cut(text, KIOSK_SPEECH_TEXT_MAX);
    char *copy = malloc(n + 1);
    if (!copy) {
        dk_warn("speech: out of memory, not reading");
        return;
    }
    memcpy(copy, text, n);
    copy[n] = '\0';
    SDL_LockMutex(sp->lock);
    atomic_fetch_add(&sp->generation, 1);
    SDL_ClearQueuedAudio(sp->dev);
    free(sp->text);
    sp->text = copy;
    sp->lang = lang;
    SDL_CondSignal(sp->wake);
    SDL_UnlockMutex(sp->lock);
}

void kiosk_speech_stop(kiosk_speech *sp)
{
    SDL_LockMutex(sp->lock);
    atomic_fetch_add(&sp->generation, 1);
    free(sp->text);
    sp->text = NULL;
    SDL_UnlockMutex(sp->lock);
    /* After the generation bump the callback queues nothing more, except perhaps the one
     * buffer it is inside right now; clearing again on the next check catches that. */
    SDL_ClearQueuedAudio(sp->dev);
}

int kiosk_speech_active(kiosk_speech *sp)
{
    SDL_LockMutex(sp->lock);
    int pending = sp->text != NULL;
    SDL_UnlockMutex(sp->lock);
    return pending || atomic_load(&sp->synthesising) || SDL_GetQueuedAudioSize(sp->dev) > 0;
}

unsigned long long kiosk_speech_samples(kiosk_speech *sp)
{
    return atomic_load(&sp->samples);
}
