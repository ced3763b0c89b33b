/*
 * text_fold.h: the character table of text cleaning's `normalize` op (SPEC.md §6.6):
 * for one code point, what Python's str.lower(), then Unicode NFKD, then dropping the
 * combining marks (unicodedata.combining) make of it, as mloda computes per character.
 * Generated into text_fold.c by scripts/gen_text_fold.py; the ranges covered are listed
 * there (ASCII, Latin-1, Latin Extended-A/-B and Additional, combining diacritics, Greek,
 * Cyrillic, punctuation, super/subscripts, letterlike symbols, number forms, enclosed
 * alphanumerics, ligatures, fullwidth ASCII). Other code points are kept as they are.
 */
#ifndef MLODA_GROUPS_TEXT_FOLD_H
#define MLODA_GROUPS_TEXT_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The folded form of cp (UTF-8, NUL-terminated, "" when cp is dropped), or NULL when cp
 *  stays as it is (also for code points outside the covered ranges; ASCII letters are not
 *  in the table: lowercase them directly). */
const char *mloda_text_fold_lookup(uint32_t cp);

/** true when cp lies in a range the table covers (ASCII included). */
bool mloda_text_fold_covered(uint32_t cp);

#endif /* MLODA_GROUPS_TEXT_FOLD_H */
