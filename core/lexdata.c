/*
 * lexdata.c - the compiled default lexicon, embedded at build time
 *
 * srlexc compiles the TSV lists in lexicon/ into core/sentiroute.lex; this unit
 * includes that binary as read-only data, so the library needs no data
 * file to score (scoring.lexicon can still point at another one).
 */
#include "build-config.h"

#include "lexstamp.h" /* changes with the lexicon: rebuilds this unit */

#ifndef SR_LEXDATA_PATH
#error "SR_LEXDATA_PATH must name the compiled lexicon"
#endif

__asm__(".section .rodata\n"
        ".balign 64\n"
        ".globl srp_lexdata\n"
        ".type srp_lexdata, @object\n"
        "srp_lexdata:\n"
        ".incbin \"" SR_LEXDATA_PATH "\"\n"
        ".globl srp_lexdata_end\n"
        ".type srp_lexdata_end, @object\n"
        "srp_lexdata_end:\n"
        ".byte 0\n"
        ".previous\n");
