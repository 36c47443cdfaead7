/*
 * srtok - print the folded word keys of each input line (a development
 * tool for building lexicons: `srtok < corpus.txt`).  Emoticons and emoji
 * are printed as they are keyed; punctuation is dropped.
 */
#include "build-config.h"

#include "../core/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    while ((n = getline(&line, &cap, stdin)) >= 0) {
        srp_tokenizer t;
        srp_token tok;
        int first = 1;

        srp_tok_init(&t, line, (size_t)n, NULL, NULL);
        while (srp_tok_next(&t, &tok)) {
            if ((tok.type != SRP_TOK_WORD && tok.type != SRP_TOK_EMOJI) || tok.key_len == 0)
                continue;
            printf("%s%s", first ? "" : " ", tok.key);
            first = 0;
        }
        putchar('\n');
    }
    free(line);
    return 0;
}
