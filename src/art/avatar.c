/* SPDX-License-Identifier: MIT */
/* avatar.c — a name picks the knobs and colours of an art pattern. The
 * recipe is written out in som_art.h so that other implementations (the web
 * page, a script) can draw the same avatar for the same name. */
#include "som_art.h"

#include <string.h>

/* Step 1 of the recipe is libsom's one hash, FNV-1a 64 (som.h). */
uint64_t som_avatar_hash(const void *bytes, size_t n) { return som_hash(bytes, n); }

/* splitmix64 spreads the hash over several independent words, so that
 * names differing in one byte differ in every knob. */
static uint64_t next_word(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double unit(uint64_t w) { return (double)(w >> 11) * 0x1.0p-53; }

/* Background, colour. The first three are the article's gallery colours on
 * its dark blue; the rest keep the same idea — one light line colour on a
 * dark ground, or a dark one on a light ground — with enough contrast for a
 * 64-pixel avatar. */
static const uint32_t palettes[SOM_AVATAR_N_PALETTES][2] = {
    {0x22264Bu, 0xB56969u}, {0x22264Bu, 0xE8EDF3u}, {0x22264Bu, 0xE6CF8Bu},
    {0xE8EDF3u, 0x22264Bu}, {0xE8EDF3u, 0xB56969u}, {0xF8FAFBu, 0x348ABDu},
    {0x1B3A2Fu, 0x8FD1A8u}, {0x2D1E2Fu, 0xF2A65Au}, {0x0F4C5Cu, 0xFFD166u},
    {0xFDF0D5u, 0xC1121Fu}, {0x264653u, 0xE9C46Au}, {0x3D405Bu, 0xF4F1DEu},
};

void som_avatar_palette(unsigned i, uint32_t *background, uint32_t *color)
{
    i %= SOM_AVATAR_N_PALETTES;
    *background = palettes[i][0];
    *color = palettes[i][1];
}

void som_avatar_design(const char *name, som_art_opts *opts,
                       som_art_style *style)
{
    static const size_t point_choices[4] = {2, 2, 3, 4};
    static const double angle_choices[4] = {45.0, 30.0, 60.0, 90.0};
    const char *s = name ? name : "";
    uint64_t state = som_avatar_hash(s, strlen(s));
    som_art_opts_init(opts);
    opts->step = 0.3 + 0.7 * unit(next_word(&state));
    opts->radius = (double)(1 + next_word(&state) % 3);
    opts->std = 0.2 + 1.6 * unit(next_word(&state));
    opts->points = point_choices[next_word(&state) % 4];
    opts->angle = angle_choices[next_word(&state) % 4];
    opts->passes = 0;
    opts->phase = 90.0 * unit(next_word(&state));
    unsigned pal = (unsigned)(next_word(&state) % SOM_AVATAR_N_PALETTES);
    som_art_style_init(style);
    som_avatar_palette(pal, &style->background, &style->color);
    style->view = SOM_ART_VIEW_FIT;
}
