/* The SDL2 window. The texture follows the guest's framebuffer size; until the guest has one
 * the window stays black at 640x480. */
#include "display_sdl.h"

#include <stdio.h>

#ifdef SOCEMU_HAVE_SDL2

#include <SDL.h>
#include <stdlib.h>

#include "screenshot.h"

#define REFRESH_MS 33u /* ~30 frames a second */

struct display_sdl {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Texture *texture;
    uint32_t tex_w, tex_h;
    uint32_t last_draw_ms;
    screenshot_image frame;
    bool closed;
};

display_sdl *display_sdl_open(const char *title, char *err, size_t errlen) {
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        snprintf(err, errlen, "--display sdl: %s", SDL_GetError());
        return NULL;
    }
    display_sdl *d = calloc(1, sizeof *d);
    if (d)
        d->window = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, 640,
                                     480, SDL_WINDOW_RESIZABLE);
    if (d && d->window) d->renderer = SDL_CreateRenderer(d->window, -1, 0);
    if (!d || !d->renderer) {
        snprintf(err, errlen, "--display sdl: %s", d ? SDL_GetError() : "out of memory");
        display_sdl_close(d);
        return NULL;
    }
    SDL_SetRenderDrawColor(d->renderer, 0, 0, 0, 255);
    SDL_RenderClear(d->renderer);
    SDL_RenderPresent(d->renderer);
    return d;
}

static void draw(display_sdl *d, machine *m) {
    if (!screenshot_capture(m, &d->frame)) return;
    if (!d->texture || d->tex_w != d->frame.width || d->tex_h != d->frame.height) {
        if (d->texture) SDL_DestroyTexture(d->texture);
        d->texture =
            SDL_CreateTexture(d->renderer, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
                              (int)d->frame.width, (int)d->frame.height);
        if (!d->texture) return;
        d->tex_w = d->frame.width, d->tex_h = d->frame.height;
        SDL_SetWindowSize(d->window, (int)d->tex_w, (int)d->tex_h);
        SDL_RenderSetLogicalSize(d->renderer, (int)d->tex_w, (int)d->tex_h);
    }
    SDL_UpdateTexture(d->texture, NULL, d->frame.xrgb, (int)(d->frame.width * 4));
    SDL_RenderClear(d->renderer);
    SDL_RenderCopy(d->renderer, d->texture, NULL, NULL);
    SDL_RenderPresent(d->renderer);
}

bool display_sdl_poll(display_sdl *d, machine *m) {
    SDL_Event ev;
    while (SDL_PollEvent(&ev))
        if (ev.type == SDL_QUIT ||
            (ev.type == SDL_WINDOWEVENT && ev.window.event == SDL_WINDOWEVENT_CLOSE))
            d->closed = true;
    uint32_t now = SDL_GetTicks();
    if (!d->closed && now - d->last_draw_ms >= REFRESH_MS) {
        d->last_draw_ms = now;
        draw(d, m);
    }
    return !d->closed;
}

void display_sdl_close(display_sdl *d) {
    if (d) {
        if (d->texture) SDL_DestroyTexture(d->texture);
        if (d->renderer) SDL_DestroyRenderer(d->renderer);
        if (d->window) SDL_DestroyWindow(d->window);
        screenshot_image_free(&d->frame);
        free(d);
    }
    SDL_Quit();
}

#else /* built without SDL2 */

display_sdl *display_sdl_open(const char *title, char *err, size_t errlen) {
    (void)title;
    snprintf(err, errlen,
             "--display sdl: this socemu was built without SDL2 (install libsdl2-dev "
             "and rebuild), use --display none");
    return NULL;
}

bool display_sdl_poll(display_sdl *d, machine *m) {
    (void)d, (void)m;
    return true;
}

void display_sdl_close(display_sdl *d) {
    (void)d;
}

#endif
