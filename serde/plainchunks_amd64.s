//go:build !purego

#include "textflag.h"

// func plainChunks(b []byte, ascii bool) int
//
// Sixteen bytes a step (SSE2, which every amd64 has): the index of the
// first byte that is a quote, a backslash or below 0x20, or, with ascii
// set, at or above 0x80; or the start of the last partial chunk when no
// full chunk holds one.
//
// One signed compare finds the other bytes to stop at: with ascii set,
// the control characters and the bytes at or above 0x80 are exactly the
// signed bytes below 0x20; without it, x^0x80 turns the control
// characters into exactly the signed bytes below -96 (0xA0).
TEXT ·plainChunks(SB), NOSPLIT, $0-40
	MOVQ    b_base+0(FP), SI
	MOVQ    b_len+8(FP), CX
	MOVBLZX ascii+24(FP), DX
	XORQ    AX, AX
	MOVQ    $0x2222222222222222, R8
	MOVQ    R8, X1
	PUNPCKLQDQ X1, X1
	MOVQ    $0x5c5c5c5c5c5c5c5c, R8
	MOVQ    R8, X2
	PUNPCKLQDQ X2, X2
	MOVQ    $0x2020202020202020, R8 // ascii: no flip, below 0x20
	XORQ    R11, R11
	TESTQ   DX, DX
	JNZ     consts
	MOVQ    $0xa0a0a0a0a0a0a0a0, R8 // any: flip, below 0xA0 (-96)
	MOVQ    $0x8080808080808080, R11

consts:
	MOVQ    R8, X3
	PUNPCKLQDQ X3, X3
	MOVQ    R11, X6
	PUNPCKLQDQ X6, X6

loop:
	LEAQ    16(AX), R9
	CMPQ    R9, CX
	JHI     done
	MOVOU   (SI)(AX*1), X0
	MOVO    X0, X4
	PCMPEQB X1, X4
	MOVO    X0, X5
	PCMPEQB X2, X5
	POR     X5, X4
	PXOR    X6, X0
	MOVO    X3, X5
	PCMPGTB X0, X5
	POR     X5, X4
	PMOVMSKB X4, R10
	TESTL   R10, R10
	JNZ     found
	MOVQ    R9, AX
	JMP     loop

found:
	BSFL    R10, R10
	ADDQ    R10, AX

done:
	MOVQ    AX, ret+32(FP)
	RET
