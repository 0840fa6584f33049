/* --display sdl: a host window showing the guest's framebuffer, refreshed from the run loop's
 * poll (about 30 times a second). Closing the window ends the run, as Ctrl-A x does. Without
 * SDL2 at build time, display_sdl_open fails with a clear message. */
#ifndef SOCEMU_CLI_DISPLAY_SDL_H
#define SOCEMU_CLI_DISPLAY_SDL_H

#include <stdbool.h>
#include <stddef.h>

#include "boards/machine.h"

typedef struct display_sdl display_sdl;

/* NULL with "--display sdl: why" in err. */
display_sdl *display_sdl_open(const char *title, char *err, size_t errlen);
/* Handles window events and, at most every 33 ms of host time, redraws from the framebuffer.
 * Returns false once the user closed the window. */
bool display_sdl_poll(display_sdl *d, machine *m);
void display_sdl_close(display_sdl *d);

#endif
