/*
 * text_cleaning.c: the text-cleaning family `{in}__cleaned_text` with its required option
 * cleaning_operations (an ordered list), and the option form (cleaning_operations +
 * in_features), SPEC.md §6.6. The operations run in list order on each row's text:
 *
 *   normalize             Python's str.lower(), Unicode NFKD, combining marks dropped,
 *                         for every script (utf8proc's Unicode tables; see
 *                         mloda_text_fold_char);
 *   remove_stopwords      words (split at whitespace) whose lowercase form is in NLTK's
 *                         English list (NLTK 3.8, 179 words) are dropped; the rest are
 *                         joined with single spaces;
 *   remove_punctuation    deletes the ASCII punctuation of Python's string.punctuation;
 *   remove_special_chars  deletes every character but [a-zA-Z0-9] and whitespace;
 *   normalize_whitespace  collapses whitespace runs to one space and trims;
 *   remove_urls           deletes `https?://\S+` and `www\.\S+`, then `\S+@\S+\.\S+`.
 *
 * "Whitespace" is Python's (str.isspace, re's \s): ASCII \t\n\v\f\r, \x1c-\x1f, space,
 * U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000. The
 * regular expressions are implemented by hand with the same leftmost-greedy results.
 * Text is UTF-8; a byte that does not start a valid sequence is kept as it is (and
 * counts as a non-space, non-alphanumeric character). Null text stays null (SPEC.md
 * §10.12; mloda writes "None").
 */
#include <stdio.h>
#include <string.h>

#include <utf8proc.h>

#include "groups/groups.h"
#include "util/util.h"

typedef enum tc_op {
    OP_NORMALIZE,
    OP_REMOVE_STOPWORDS,
    OP_REMOVE_PUNCTUATION,
    OP_REMOVE_SPECIAL_CHARS,
    OP_NORMALIZE_WHITESPACE,
    OP_REMOVE_URLS,
    OP_N
} tc_op;

static const char *const OP_NAMES[OP_N] = {"normalize",
                                           "remove_stopwords",
                                           "remove_punctuation",
                                           "remove_special_chars",
                                           "normalize_whitespace",
                                           "remove_urls"};

#define ALLOWED                                                                              \
    "normalize, remove_stopwords, remove_punctuation, remove_special_chars, "                \
    "normalize_whitespace, remove_urls"
#define OPT_OPS "cleaning_operations"
#define SUFFIX "cleaned_text"

/* NLTK's English stopwords as of NLTK 3.8 (179 words; the longest has 10 letters). */
static const char *const STOPWORDS[] = {
    "a", "about", "above", "after", "again", "against", "ain", "all", "am", "an", "and", "any",
    "are", "aren", "aren't", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "couldn", "couldn't", "d", "did", "didn", "didn't",
    "do", "does", "doesn", "doesn't", "doing", "don", "don't", "down", "during", "each", "few",
    "for", "from", "further", "had", "hadn", "hadn't", "has", "hasn", "hasn't", "have", "haven",
    "haven't", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how",
    "i", "if", "in", "into", "is", "isn", "isn't", "it", "it's", "its", "itself", "just", "ll",
    "m", "ma", "me", "mightn", "mightn't", "more", "most", "mustn", "mustn't", "my", "myself",
    "needn", "needn't", "no", "nor", "not", "now", "o", "of", "off", "on", "once", "only", "or",
    "other", "our", "ours", "ourselves", "out", "over", "own", "re", "s", "same", "shan",
    "shan't", "she", "she's", "should", "should've", "shouldn", "shouldn't", "so", "some",
    "such", "t", "than", "that", "that'll", "the", "their", "theirs", "them", "themselves",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until",
    "up", "ve", "very", "was", "wasn", "wasn't", "we", "were", "weren", "weren't", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "won", "won't",
    "wouldn", "wouldn't", "y", "you", "you'd", "you'll", "you're", "you've", "your", "yours",
    "yourself", "yourselves",
};
enum { N_STOPWORDS = (int)(sizeof STOPWORDS / sizeof STOPWORDS[0]), STOPWORD_MAX = 10 };

/* Per-feature state: the operations in order (one allocation). */
typedef struct tc_state {
    int64_t n_ops;
    unsigned char ops[];
} tc_state;

/* ---------------------------------------------------------------- matching */

static int find_op(const char *s)
{
    for (int i = 0; i < OP_N; i++) {
        if (strcmp(OP_NAMES[i], s) == 0)
            return i;
    }
    return -1;
}

static bool is_cleaned_text_name(const mloda_feature *f)
{
    const char *suffix = mloda_feature_chain_suffix(f);
    return suffix != NULL && strcmp(suffix, SUFFIX) == 0;
}

/* One operation name of cleaning_operations (item `item`, or -1 for a lone string). */
static mloda_status read_op(const char *name, const char *s, int64_t item, unsigned char *out,
                            mloda_error *why)
{
    if (s == NULL)
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "feature '%s': item %lld of " OPT_OPS " is not an "
                               "operation name (" ALLOWED ")",
                               name, (long long)item);
    int k = find_op(s);
    if (k < 0)
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "unknown cleaning operation '%s'; allowed: " ALLOWED, s);
    *out = (unsigned char)k;
    return MLODA_OK;
}

/*
 * Reads cleaning_operations into a new state (*out NULL with no error: not a
 * text-cleaning feature). Near misses set `why`; they are short because the resolver
 * quotes them after the feature's name, in 200 bytes.
 */
static mloda_status parse_ops(const mloda_feature *f, tc_state **out, mloda_error *why)
{
    const char *name = mloda_feature_name(f);
    const mloda_options *o = mloda_feature_options(f);
    bool named = is_cleaned_text_name(f);
    *out = NULL;
    if (!mloda_options_has(o, OPT_OPS)) {
        if (!named)
            return MLODA_OK;
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "required option " OPT_OPS " is absent (a list of: " ALLOWED ")");
    }
    if (!named && !mloda_options_has(o, "in_features"))
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "feature '%s' sets " OPT_OPS " but no in_features to clean "
                               "(or name it {in}__" SUFFIX ")",
                               name);
    const char *one = NULL;
    bool single = mloda_options_get_string(o, OPT_OPS, &one);
    if (!single && mloda_options_kind(o, OPT_OPS) != MLODA_VALUE_LIST)
        return mloda_error_set(why, MLODA_ERR_OPTION, name,
                               "feature '%s': option " OPT_OPS " must be a list of operation "
                               "names (" ALLOWED ")",
                               name);
    int64_t n = single ? 1 : mloda_options_list_n_items(o, OPT_OPS);
    tc_state *st = mloda_malloc(sizeof *st + (size_t)n);
    if (st == NULL)
        return MLODA_NOMEM(why, "text cleaning operations");
    st->n_ops = n;
    mloda_status rc = MLODA_OK;
    for (int64_t i = 0; rc == MLODA_OK && i < n; i++) {
        const char *s = one;
        if (!single && !mloda_options_list_get_string(o, OPT_OPS, i, &s))
            s = NULL;
        rc = read_op(name, s, single ? -1 : i, &st->ops[i], why);
    }
    if (rc != MLODA_OK) {
        mloda_free(st);
        return rc == MLODA_ERR_NOMEM ? rc : MLODA_OK; /* a near miss */
    }
    *out = st;
    return MLODA_OK;
}

static mloda_status tc_match(void *ud, const mloda_feature *f, bool *out_match,
                             void **out_parsed, mloda_error *why)
{
    (void)ud;
    tc_state *st = NULL;
    mloda_status rc = parse_ops(f, &st, why);
    *out_match = st != NULL;
    *out_parsed = st;
    return rc == MLODA_ERR_NOMEM ? rc : MLODA_OK;
}

static void tc_parsed_free(void *ud, void *parsed)
{
    (void)ud;
    mloda_free(parsed);
}

static mloda_status tc_inputs(void *ud, const mloda_feature *f, mloda_inputs *in,
                              mloda_error *err)
{
    (void)ud;
    return mloda_inputs_add_chain(in, f, 1, 1, err);
}

static mloda_status tc_bind(void *ud, mloda_bind *ctx, mloda_error *err)
{
    (void)ud;
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *name = mloda_feature_name(f);
    mloda_type t = mloda_bind_input_type(ctx, 0);
    if (t != MLODA_TYPE_UTF8 || mloda_bind_input_is_multi(ctx, 0))
        return mloda_error_set(err, MLODA_ERR_TYPE, name,
                               "feature '%s': text cleaning needs a text (utf8) column, but "
                               "'%s' is %s%s",
                               name, mloda_bind_input_name(ctx, 0), mloda_type_name(t),
                               mloda_bind_input_is_multi(ctx, 0) ? " with several columns" : "");
    return mloda_bind_output(ctx, MLODA_TYPE_UTF8, 0, MLODA_TIME_SECOND, err);
}

/* ---------------------------------------------------------------- text primitives */

/* A growable byte buffer (owned). */
typedef struct tbuf {
    char *p;
    size_t len, cap;
} tbuf;

static bool tbuf_grow(tbuf *b, size_t extra)
{
    size_t need = 0, cap = b->cap < 64 ? 64 : b->cap;
    if (!mloda_add_size(b->len, extra, &need))
        return false;
    while (cap < need) {
        if (!mloda_mul_size(cap, 2, &cap))
            return false;
    }
    char *p = mloda_realloc(b->p, cap);
    if (p == NULL)
        return false;
    b->p = p;
    b->cap = cap;
    return true;
}

/* Room for `extra` more bytes; false when out of memory. The buffer always exists
 * afterwards, so that writers may form b->p + b->len even for empty text (UBSan: an
 * offset applied to NULL; found by fuzz_numeric_extremes). */
static inline bool tbuf_reserve(tbuf *b, size_t extra)
{
    return (b->p != NULL && b->cap - b->len >= extra) || tbuf_grow(b, extra);
}

/* Appends; callers reserve first (every op's output is bounded, see run_op). Most
 * pieces are one character, so short ones are copied without a call. */
static inline void tbuf_put(tbuf *b, const char *s, size_t n)
{
    char *d = b->p + b->len;
    if (n <= 4) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        memcpy(d, s, n);
    }
    b->len += n;
}

#define NOT_UTF8 0xFFFFFFFFu /* marks a byte that starts no valid UTF-8 sequence */

/* Decodes the multi-byte code point at s[0..n) (n >= 1, s[0] >= 0x80) into *cp and
 * returns its byte length; a byte that does not start a valid sequence gives NOT_UTF8
 * and length 1. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    *cp = NOT_UTF8;
    if (len == 0 || len > n)
        return 1;
    if (len == 1) {
        *cp = c;
        return 1;
    }
    uint32_t v = c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 1;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    static const uint32_t MIN[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < MIN[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 1;
    *cp = v;
    return len;
}

/* The code point at s[0..n) (n >= 1) and its length; ASCII without a call. */
static inline size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    return utf8_decode(s, n, cp);
}

/* Python's str.isspace (and re's \s). */
static inline bool is_space(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static bool is_ascii_alnum(uint32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

/* string.punctuation */
static bool is_punct(unsigned char c)
{
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

/* Unicode's Cased property, as Python's final-sigma rule uses it: a letter of category Lu,
 * Ll or Lt, or any character with a case mapping (utf8proc has no Other_Lowercase /
 * Other_Uppercase, so modifier letters such as U+02B0 without a mapping count as uncased). */
static bool is_cased(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    const utf8proc_int32_t c = (utf8proc_int32_t)cp; /* cp <= 0x10FFFF */
    utf8proc_category_t cat = utf8proc_category(c);
    return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LL ||
           cat == UTF8PROC_CATEGORY_LT || utf8proc_tolower(c) != c || utf8proc_toupper(c) != c;
}

/* Unicode's Case_Ignorable: categories Mn, Me, Cf, Lm, Sk and the Word_Break classes
 * MidLetter, MidNumLet and Single_Quote. */
static bool is_case_ignorable(uint32_t cp)
{
    static const uint32_t MID[] = {0x27,   0x2E,   0x3A,   0xB7,   0x387,  0x55F,
                                   0x5F4,  0x2018, 0x2019, 0x2024, 0x2027, 0xFE13,
                                   0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A};
    for (size_t k = 0; k < sizeof MID / sizeof MID[0]; k++) {
        if (cp == MID[k])
            return true;
    }
    if (cp < 0x80)
        return cp == '^' || cp == '`'; /* Sk */
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME ||
           cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_LM ||
           cat == UTF8PROC_CATEGORY_SK;
}

/* Python's lower() gives 'ς' for a capital sigma that ends a word: preceded by a cased
 * letter and not followed by one, case-ignorable characters skipped both ways
 * (Unicode's Final_Sigma condition, as CPython's handle_capital_sigma). */
static bool final_sigma(const unsigned char *s, size_t n, size_t at, size_t len)
{
    bool before = false;
    for (size_t i = at; i > 0;) {
        size_t j = i - 1;
        while (j > 0 && (s[j] & 0xC0) == 0x80)
            j--;
        uint32_t cp;
        (void)utf8_next(s + j, n - j, &cp);
        if (!is_case_ignorable(cp)) {
            before = is_cased(cp);
            break;
        }
        i = j;
    }
    if (!before)
        return false;
    for (size_t i = at + len; i < n;) {
        uint32_t cp;
        size_t l = utf8_next(s + i, n - i, &cp);
        if (!is_case_ignorable(cp))
            return !is_cased(cp);
        i += l;
    }
    return true;
}

/* Bytes at most one code point folds to (U+FDFA, 3 bytes, gives 18 code points in 33
 * bytes under NFKD), per input byte: FOLD_MAX_GROWTH (test_text_cleaning checks every code
 * point). */
enum { FOLD_MAX_GROWTH = 11, FOLD_MAX_CPS = 32 };

/* UTF-8 of cp (a valid scalar value) into d; returns its length. */
static size_t utf8_put(uint32_t cp, char *d)
{
    if (cp < 0x80) {
        d[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (char)(0xC0 | (cp >> 6));
        d[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (char)(0xE0 | (cp >> 12));
        d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (char)(0xF0 | (cp >> 18));
    d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * normalize for one non-ASCII code point, into d (at most FOLD_MAX_GROWTH bytes per byte of
 * cp's UTF-8); returns the bytes written. Python's str.lower() (full lowercasing: utf8proc's
 * per-code-point mapping plus SpecialCasing's one unconditional rule, U+0130 -> i + U+0307;
 * final sigma is decided by the caller), then NFKD (utf8proc: full compatibility
 * decomposition, Hangul syllables included), then every code point whose canonical
 * combining class is not 0 dropped (unicodedata.combining). Working per code point gives
 * what Python gives for the whole string: lowercasing is per code point but for final
 * sigma, decompositions do not reach across characters, and NFKD's canonical reordering
 * only moves the marks that are dropped.
 */
size_t mloda_text_fold_char(uint32_t cp, bool final_sigma_here, char *d)
{
    utf8proc_int32_t lower[2];
    int n_lower = 1;
    if (cp == 0x130) { /* SpecialCasing: İ lowercases to i + combining dot above */
        lower[0] = 'i';
        lower[1] = 0x307;
        n_lower = 2;
    } else if (cp == 0x3A3 && final_sigma_here) {
        lower[0] = 0x3C2;
    } else {
        lower[0] = utf8proc_tolower((utf8proc_int32_t)cp); /* cp <= 0x10FFFF */
    }
    size_t len = 0;
    for (int k = 0; k < n_lower; k++) {
        utf8proc_int32_t dec[FOLD_MAX_CPS];
        utf8proc_ssize_t n_dec = utf8proc_decompose_char(
            lower[k], dec, FOLD_MAX_CPS, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, NULL);
        if (n_dec < 0 || n_dec > FOLD_MAX_CPS) { /* cannot happen: 18 is Unicode's longest */
            dec[0] = lower[k];
            n_dec = 1;
        }
        for (utf8proc_ssize_t j = 0; j < n_dec; j++) {
            if (utf8proc_get_property(dec[j])->combining_class == 0)
                len += utf8_put((uint32_t)dec[j], d + len); /* a scalar value */
        }
    }
    return len;
}

/* ---------------------------------------------------------------- operations */

enum { WORD = 8 };
static const uint64_t ONES = 0x0101010101010101u, HIGHS = 0x8080808080808080u;

static inline uint64_t load_word(const unsigned char *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

static inline void store_word(char *p, uint64_t x)
{
    memcpy(p, &x, sizeof x);
}

/* ASCII lowercase of 8 bytes that are all below 0x80 ('A'..'Z' gain 0x20): per byte, the
 * sums set the high bit for >= 'A' and for > 'Z' without carrying into the next byte. */
static inline uint64_t ascii_lower_word(uint64_t x)
{
    uint64_t ge_a = x + (0x80 - 'A') * ONES, gt_z = x + (0x80 - 'Z' - 1) * ONES;
    return x | ((ge_a & ~gt_z & HIGHS) >> 2);
}

/* Appends s[0..n) normalized to out (callers reserve n plus FOLD_MAX_GROWTH - 1 bytes for
 * every byte >= 0x80; see run_op). Runs of ASCII are lowercased 8 bytes at a time, the
 * last partial word of a run as an overlapping word; the cursor is a local so that byte
 * stores need not reload out->len. */
static void op_normalize(const unsigned char *s, size_t n, tbuf *out)
{
    char *d = out->p + out->len;
    size_t i = 0;
    while (i < n) {
        size_t run = i; /* the ASCII run starting here is written from drun on */
        char *drun = d;
        while (n - i >= WORD) {
            uint64_t x = load_word(s + i);
            if ((x & HIGHS) != 0)
                break;
            store_word(d, ascii_lower_word(x));
            d += WORD;
            i += WORD;
        }
        if (n - i < WORD && n - run >= WORD) {
            uint64_t x = load_word(s + n - WORD);
            if ((x & HIGHS) == 0) { /* the run reaches the end: its last word, overlapping */
                store_word(drun + (n - WORD - run), ascii_lower_word(x));
                d = drun + (n - run);
                break;
            }
        }
        for (; i < n && s[i] < 0x80; i++)
            *d++ = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
        if (i == n)
            break;
        uint32_t cp;
        size_t l = utf8_decode(s + i, n - i, &cp);
        if (cp == NOT_UTF8) { /* kept as it is */
            *d++ = (char)s[i];
        } else {
            d += mloda_text_fold_char(cp, cp == 0x3A3 && final_sigma(s, n, i, l), d);
        }
        i += l;
    }
    out->len = (size_t)(d - out->p);
}

/* A maximal run of non-space characters, bytes [a, b). */
typedef struct span {
    size_t a, b;
} span;

/* The first byte at or after i that starts a character whose being a space is `space`
 * (n when there is none). */
static size_t skip_to(const unsigned char *s, size_t n, size_t i, bool space)
{
    while (i < n) {
        uint32_t cp;
        size_t l = utf8_next(s + i, n - i, &cp);
        if (is_space(cp) == space)
            break;
        i += l;
    }
    return i;
}

/* The next run at or after byte `from` into *w (w->a == n when there is none); returns
 * where to continue. */
static size_t next_word(const unsigned char *s, size_t n, size_t from, span *w)
{
    w->a = skip_to(s, n, from, false);
    w->b = skip_to(s, n, w->a, true);
    return w->b;
}

/* The stopwords in an open-addressing hash set, built once per calculate call (the
 * library keeps no mutable globals): slot holds word index + 1, 0 when empty. */
enum { STOP_SLOTS = 512 };
typedef struct stop_set {
    uint16_t slot[STOP_SLOTS];
} stop_set;

static uint32_t word_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void stop_set_init(stop_set *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < N_STOPWORDS; i++) {
        uint32_t h = word_hash(STOPWORDS[i], strlen(STOPWORDS[i])) & (STOP_SLOTS - 1);
        while (t->slot[h] != 0)
            h = (h + 1) & (STOP_SLOTS - 1);
        t->slot[h] = (uint16_t)(i + 1);
    }
}

static bool is_stopword(const stop_set *t, const unsigned char *s, size_t n)
{
    char low[STOPWORD_MAX];
    if (n > STOPWORD_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 0x80)
            return false; /* no non-ASCII letter lowercases into an English stopword */
        low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    }
    for (uint32_t h = word_hash(low, n) & (STOP_SLOTS - 1); t->slot[h] != 0;
         h = (h + 1) & (STOP_SLOTS - 1)) {
        const char *w = STOPWORDS[t->slot[h] - 1];
        if (strncmp(w, low, n) == 0 && w[n] == '\0')
            return true;
    }
    return false;
}

static void op_remove_stopwords(const stop_set *stops, const unsigned char *s, size_t n,
                                tbuf *out)
{
    span w;
    bool first = true;
    for (size_t i = next_word(s, n, 0, &w); w.a < n; i = next_word(s, n, i, &w)) {
        if (is_stopword(stops, s + w.a, w.b - w.a))
            continue;
        if (!first)
            tbuf_put(out, " ", 1);
        tbuf_put(out, (const char *)s + w.a, w.b - w.a);
        first = false;
    }
}

static void op_remove_punctuation(const unsigned char *s, size_t n, tbuf *out)
{
    char *d = out->p + out->len;
    for (size_t i = 0; i < n; i++) {
        *d = (char)s[i];
        d += !is_punct(s[i]);
    }
    out->len = (size_t)(d - out->p);
}

static void op_remove_special_chars(const unsigned char *s, size_t n, tbuf *out)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = utf8_next(s + i, n - i, &cp);
        if (is_ascii_alnum(cp) || is_space(cp))
            tbuf_put(out, (const char *)s + i, l);
        i += l;
    }
}

static void op_normalize_whitespace(const unsigned char *s, size_t n, tbuf *out)
{
    span w;
    bool first = true;
    for (size_t i = next_word(s, n, 0, &w); w.a < n; i = next_word(s, n, i, &w)) {
        if (!first)
            tbuf_put(out, " ", 1);
        tbuf_put(out, (const char *)s + w.a, w.b - w.a);
        first = false;
    }
}

static bool starts_with(const unsigned char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && memcmp(s, lit, l) == 0;
}

/* Length of a `https?://\S+` or `www\.\S+` match at s[0..n) (n > 0), or 0. The \S+
 * takes the rest of the non-space run. */
static size_t url_at(const unsigned char *s, size_t n)
{
    size_t lit = starts_with(s, n, "https://") ? 8
                 : starts_with(s, n, "http://") ? 7
                 : starts_with(s, n, "www.")    ? 4
                                                : 0;
    if (lit == 0 || lit >= n)
        return 0;
    size_t i = skip_to(s, n, lit, true);
    return i > lit ? i : 0;
}

/* `\S+@\S+\.\S+` within one non-space run [0, n): it matches (from the run's start to
 * its end, the quantifiers being greedy) when an '@' has a character before it and a '.'
 * follows at least one character later with at least one character after it. */
static bool is_email_run(const unsigned char *s, size_t n)
{
    const unsigned char *at = n > 1 ? memchr(s + 1, '@', n - 1) : NULL;
    if (at == NULL)
        return false;
    size_t a = (size_t)(at - s);
    for (size_t d = a + 2; d + 1 < n; d++) {
        if (s[d] == '.')
            return true;
    }
    return false;
}

static void op_remove_urls(const unsigned char *s, size_t n, tbuf *tmp, tbuf *out)
{
    /* pass 1, into tmp: URLs, scanning every position as re.sub does */
    tmp->len = 0;
    for (size_t i = 0; i < n;) {
        size_t m = url_at(s + i, n - i);
        if (m > 0) {
            i += m;
            continue;
        }
        uint32_t cp;
        size_t l = utf8_next(s + i, n - i, &cp);
        tbuf_put(tmp, (const char *)s + i, l);
        i += l;
    }
    /* pass 2, into out: e-mail addresses, whole non-space runs */
    const unsigned char *t = (const unsigned char *)tmp->p;
    size_t tn = tmp->len, copied = 0;
    span w;
    for (size_t i = next_word(t, tn, 0, &w); w.a < tn; i = next_word(t, tn, i, &w)) {
        if (is_email_run(t + w.a, w.b - w.a)) {
            tbuf_put(out, (const char *)t + copied, w.a - copied);
            copied = w.b;
        }
    }
    tbuf_put(out, (const char *)t + copied, tn - copied);
}

/* Runs one op from in[0..n), appending to out. Every op writes at most n bytes, except
 * normalize: at most one byte per ASCII byte and FOLD_MAX_GROWTH per other byte (both the
 * lead and the continuation bytes of a character are >= 0x80). Reserving that up front
 * keeps the per-character loops free of capacity checks. false: out of memory. */
static bool run_op(tc_op op, const stop_set *stops, const unsigned char *in, size_t n,
                   tbuf *tmp, tbuf *out)
{
    size_t need = n;
    if (op == OP_NORMALIZE) { /* ASCII keeps its length: only the other bytes may grow */
        size_t other = 0;
        for (size_t i = 0; i < n; i++)
            other += in[i] >> 7;
        if (other > (SIZE_MAX - n) / (FOLD_MAX_GROWTH - 1))
            return false;
        need = n + other * (FOLD_MAX_GROWTH - 1);
    }
    tmp->len = 0;
    if (!tbuf_reserve(out, need) || (op == OP_REMOVE_URLS && !tbuf_reserve(tmp, n)))
        return false;
    switch (op) {
    case OP_NORMALIZE:
        op_normalize(in, n, out);
        break;
    case OP_REMOVE_STOPWORDS:
        op_remove_stopwords(stops, in, n, out);
        break;
    case OP_REMOVE_PUNCTUATION:
        op_remove_punctuation(in, n, out);
        break;
    case OP_REMOVE_SPECIAL_CHARS:
        op_remove_special_chars(in, n, out);
        break;
    case OP_NORMALIZE_WHITESPACE:
        op_normalize_whitespace(in, n, out);
        break;
    default:
        op_remove_urls(in, n, tmp, out);
        break;
    }
    return true;
}

/* ---------------------------------------------------------------- calculate */

/*
 * The output column's offsets and bytes, written row by row into buffers of our own and
 * handed to the engine once, through the Arrow C Data Interface (zero-copy: the column
 * keeps them until it is released), instead of one builder call per row.
 */
typedef struct text_arrow {
    const void *buffers[3]; /* validity (read only during the import), offsets, bytes */
    int32_t *offsets;
    char *data;
} text_arrow;

static void text_arrow_release(struct ArrowArray *a)
{
    text_arrow *t = a->private_data;
    mloda_free(t->offsets);
    mloda_free(t->data);
    mloda_free(t);
    a->release = NULL;
}

static void schema_release(struct ArrowSchema *s)
{
    s->release = NULL;
}

/* The column of n rows from t (consumed, also on failure); null where `in` is null (the
 * import copies the validity bitmap). */
static mloda_status text_column(text_arrow *t, const mloda_column *in, int64_t n,
                                mloda_column **out, mloda_error *err)
{
    struct ArrowSchema schema = {.format = "u", .name = "", .flags = ARROW_FLAG_NULLABLE,
                                 .release = schema_release};
    t->buffers[0] = mloda_column_validity(in);
    t->buffers[1] = t->offsets;
    t->buffers[2] = t->data;
    struct ArrowArray a = {.length = n,
                           .null_count = mloda_column_n_nulls(in),
                           .n_buffers = 3,
                           .buffers = t->buffers,
                           .release = text_arrow_release,
                           .private_data = t};
    return mloda_column_import(&a, &schema, out, err);
}

static mloda_status too_long(mloda_error *err)
{
    return mloda_error_set(err, MLODA_ERR_RANGE, NULL,
                           "cleaned text exceeds %d bytes (utf8 offsets are int32)", INT32_MAX);
}

/* ASCII lowercase of s[0..n) into d; returns the OR of all bytes (>= 0x80: not ASCII). */
static unsigned ascii_lower_block(const unsigned char *restrict s, size_t n, char *restrict d)
{
    unsigned char any = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = s[k];
        any |= c;
        d[k] = (char)(c + ((unsigned char)(c - 'A') < 26 ? 32 : 0));
    }
    return any;
}

/*
 * normalize alone over rows [r0, r1) at once when their bytes are all ASCII and their
 * null rows hold no bytes: one lowercase pass over the block's bytes, the offsets shifted
 * (ASCII keeps its length). false: not such a block (nothing is kept); *st is set when out
 * of memory or too long.
 */
static bool normalize_ascii_block(const int32_t *in_off, const unsigned char *in_data,
                                  const uint8_t *valid, int64_t r0, int64_t r1, tbuf *data,
                                  int32_t *offsets, mloda_status *st, mloda_error *err)
{
    size_t a = (size_t)in_off[r0], len = (size_t)(in_off[r1] - in_off[r0]);
    for (int64_t r = r0; valid != NULL && r < r1; r++) {
        if (!mloda_bitmap_get(valid, r) && in_off[r + 1] != in_off[r])
            return false;
    }
    if (!tbuf_reserve(data, len)) {
        *st = MLODA_NOMEM(err, "cleaned text");
        return true;
    }
    if (ascii_lower_block(in_data + a, len, data->p + data->len) >= 0x80)
        return false;
    if (data->len + len > (size_t)INT32_MAX) {
        *st = too_long(err);
        return true;
    }
    int32_t shift = (int32_t)data->len - in_off[r0]; /* both within [0, INT32_MAX] */
    for (int64_t r = r0; r < r1; r++)
        offsets[r + 1] = in_off[r + 1] + shift;
    data->len += len;
    return true;
}

enum { BLOCK_ROWS = 256 };

/* Cleans rows [0, n) of `in` into t->offsets and *data (grown as needed). */
static mloda_status clean_rows(const tc_state *state, const stop_set *stops,
                               const mloda_column *in, int64_t n, tbuf bufs[3], tbuf *data,
                               int32_t *offsets, mloda_error *err)
{
    const int32_t *in_off = mloda_column_utf8_offsets(in);
    const unsigned char *in_data = (const unsigned char *)mloda_column_utf8_data(in);
    const uint8_t *valid = mloda_column_validity(in);
    bool bulk = state->n_ops == 1 && state->ops[0] == OP_NORMALIZE;
    offsets[0] = 0;
    for (int64_t r = 0, block_end = 0; r < n; r++) {
        if (bulk && r == block_end) {
            block_end = n - r > BLOCK_ROWS ? r + BLOCK_ROWS : n;
            mloda_status st = MLODA_OK;
            if (normalize_ascii_block(in_off, in_data, valid, r, block_end, data, offsets,
                                      &st, err)) {
                if (st != MLODA_OK)
                    return st;
                r = block_end - 1;
                continue;
            }
        }
        if (valid == NULL || mloda_bitmap_get(valid, r)) { /* null stays null (§10.12) */
            const unsigned char *cur = in_data + in_off[r];
            size_t cur_len = (size_t)(in_off[r + 1] - in_off[r]);
            int which = 0;
            for (int64_t k = 0; k < state->n_ops; k++) {
                bool last = k == state->n_ops - 1;
                tbuf *dst = last ? data : &bufs[which];
                if (!last)
                    dst->len = 0;
                if (!run_op((tc_op)state->ops[k], stops, cur, cur_len, &bufs[2], dst))
                    return MLODA_NOMEM(err, "cleaned text");
                cur = (const unsigned char *)dst->p;
                cur_len = dst->len;
                which = 1 - which;
            }
            if (state->n_ops == 0) {
                if (!tbuf_reserve(data, cur_len))
                    return MLODA_NOMEM(err, "cleaned text");
                tbuf_put(data, (const char *)cur, cur_len);
            }
        }
        if (data->len > (size_t)INT32_MAX)
            return too_long(err);
        offsets[r + 1] = (int32_t)data->len;
    }
    return MLODA_OK;
}

static mloda_status one_feature(const mloda_calc *calc, int64_t i, const stop_set *stops,
                                tbuf bufs[3], mloda_column **out, mloda_error *err)
{
    const tc_state *state = mloda_feature_parsed(mloda_calc_feature(calc, i));
    const mloda_column *in = mloda_calc_input(calc, i, 0, 0);
    int64_t n = mloda_calc_n_rows(calc);
    const int32_t *in_off = mloda_column_utf8_offsets(in);
    size_t in_bytes = n > 0 ? (size_t)(in_off[n] - in_off[0]) : 0, rows = 0, cap = 0;
    /* room for the input's bytes: no operation makes text longer but normalize, and that
     * only for some non-ASCII characters (the buffer grows when they do) */
    if (!mloda_mul_size((size_t)n + 1, sizeof(int32_t), &rows) || /* n >= 0 */
        !mloda_add_size(in_bytes, 64, &cap))
        return mloda_error_set(err, MLODA_ERR_RANGE, NULL, "text column too large");
    text_arrow *t = mloda_calloc(1, sizeof *t);
    tbuf data = {NULL, 0, 0};
    if (t != NULL) {
        t->offsets = mloda_aligned_alloc(rows);
        data.p = mloda_aligned_alloc(cap);
        data.cap = cap;
    }
    mloda_status st = MLODA_OK;
    if (t == NULL || t->offsets == NULL || data.p == NULL)
        st = MLODA_NOMEM(err, "cleaned text");
    if (st == MLODA_OK)
        st = clean_rows(state, stops, in, n, bufs, &data, t->offsets, err);
    if (st != MLODA_OK) {
        if (t != NULL)
            mloda_free(t->offsets);
        mloda_free(t);
        mloda_free(data.p);
        return st;
    }
    t->data = data.p;
    return text_column(t, in, n, out, err);
}

static mloda_status tc_calculate(void *ud, mloda_calc *calc, mloda_error *err)
{
    (void)ud;
    tbuf bufs[3];
    memset(bufs, 0, sizeof bufs);
    stop_set stops;
    stop_set_init(&stops);
    mloda_status st = MLODA_OK;
    for (int64_t i = 0; st == MLODA_OK && i < mloda_calc_n_features(calc); i++) {
        const char *name = mloda_feature_name(mloda_calc_feature(calc, i));
        mloda_column *out = NULL;
        st = one_feature(calc, i, &stops, bufs, &out, err);
        if (st == MLODA_OK)
            st = mloda_calc_set_output(calc, i, out, err);
        if (st != MLODA_OK)
            mloda_error_default_subject(err, name);
    }
    for (int k = 0; k < 3; k++)
        mloda_free(bufs[k].p);
    return st;
}

const mloda_feature_group mloda_group_text_cleaning = {
    .struct_size = sizeof(mloda_feature_group),
    .abi_version = MLODA_FEATURE_GROUP_ABI,
    .name = "TextCleaningFeatureGroup",
    .description =
        "Cleans a text column with the operations of the required option "
        "cleaning_operations, applied in list order: normalize (lowercase, NFKD, combining "
        "marks dropped), remove_stopwords (NLTK 3.8's 179 English stopwords), "
        "remove_punctuation (ASCII punctuation), remove_special_chars (keeps [a-zA-Z0-9] and "
        "whitespace), normalize_whitespace (collapse and trim), remove_urls (http(s)://..., "
        "www...., then e-mail addresses). Differences from mloda: null stays null (mloda "
        "writes 'None'); remove_stopwords always uses its built-in list (mloda needs NLTK "
        "and silently does nothing without it); normalize covers all of Unicode with "
        "utf8proc's tables (Python's str.lower and NFKD; the Unicode version is utf8proc's, "
        "Python's may be older); the input must be a text column (mloda converts other types "
        "with str()).",
    .version = "1",
    .patterns = "{in}__cleaned_text (with option cleaning_operations)",
    .options_doc = "cleaning_operations: ordered list of normalize|remove_stopwords|"
                   "remove_punctuation|remove_special_chars|normalize_whitespace|remove_urls "
                   "(required)\n"
                   "in_features: the text column (option form)",
    .example = "note__cleaned_text with cleaning_operations [\"normalize\", "
               "\"normalize_whitespace\"]",
    .match = tc_match,
    .inputs = tc_inputs,
    .bind = tc_bind,
    .calculate = tc_calculate,
    .parsed_free = tc_parsed_free,
};
