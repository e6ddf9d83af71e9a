/*
 * shwords.h - splitting a value into words as sh(1) would, without
 * expanding anything: how CUSTOMx becomes QEMU arguments.
 */
#ifndef QI_SHWORDS_H
#define QI_SHWORDS_H

#include "buf.h"

/*
 * Appends the words of s to out: blanks separate words, '...' and
 * "..." (with \" \\ \$ \` escapes) and a backslash quote.  Returns 0, or
 * -1 with *errmsg set (the caller frees it) for an unterminated quote
 * or an unquoted typographic quote; out may then hold the words before.
 */
int	cfg_split_words(const char *s, struct strvec *out, char **errmsg);

#endif
