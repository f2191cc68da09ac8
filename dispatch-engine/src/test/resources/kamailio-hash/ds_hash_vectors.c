/*
 * Computes test vectors for siplb's KamailioHash from the description of Kamailio dispatcher's key hash
 * (ds_get_hash), written independently from that description:
 *
 *   h = 0; for each non-null key x, then y, over its bytes as signed C chars:
 *     for each full 4-byte block: v = (p0 << 24) + (p1 << 16) + (p2 << 8) + p3; h += v ^ (v >> 3)
 *     then the 0..3 tail bytes:   v = 0; for each: v = (v << 8) + b;             h += v ^ (v >> 3)
 *   h = (h + (h >> 11)) + ((h >> 13) + (h >> 23)); return h ? h : 1
 *   with 32-bit unsigned h and v.
 *
 * Build and run (chars must stay signed, the x86 default, hence -fsigned-char):
 *   gcc -O2 -fsigned-char -o ds_hash_vectors ds_hash_vectors.c && ./ds_hash_vectors > vectors.tsv
 * Output: one line per vector, tab-separated: key1, key2 (or "-" when absent), hash (unsigned decimal),
 * hash % 7, hash % 10. Keys are written with \xNN escapes for non-printable and non-ASCII bytes; an empty key
 * is written (empty).
 */
#include <stdio.h>
#include <string.h>

static unsigned add_key(unsigned h, const char *s, int len)
{
	const char *p = s;
	const char *end = s + len;
	unsigned v;
	for (; p + 4 <= end; p += 4) {
		v = (p[0] << 24) + (p[1] << 16) + (p[2] << 8) + p[3];
		h += v ^ (v >> 3);
	}
	v = 0;
	for (; p < end; p++) {
		v <<= 8;
		v += *p;
	}
	h += v ^ (v >> 3);
	return h;
}

static unsigned hash2(const char *x, const char *y)
{
	unsigned h = 0;
	if (x)
		h = add_key(h, x, (int)strlen(x));
	if (y)
		h = add_key(h, y, (int)strlen(y));
	h = (h + (h >> 11)) + ((h >> 13) + (h >> 23));
	return h ? h : 1;
}

static void put_escaped(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	if (!*p) {
		printf("(empty)");
		return;
	}
	for (; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\' || *p == '\t')
			printf("\\x%02X", *p);
		else
			putchar(*p);
	}
}

static void vector(const char *x, const char *y)
{
	unsigned h = hash2(x, y);
	put_escaped(x);
	putchar('\t');
	if (y)
		put_escaped(y);
	else
		putchar('-');
	printf("\t%u\t%u\t%u\n", h, h % 7, h % 10);
}

int main(void)
{
	static const char *single[] = {
		"a", "ab", "abc", "abcd", "abcde", "abcdefgh", "abcdefghi",
		"a84b4c76e66710@pc33.atlanta.com", "1234567890@192.0.2.4", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6@host",
		"call-1", "call-2", "call-3", "call-10", "call-100", "3848276298220188511@atlanta.example.com",
		"ZmY4OWU5YjYzMmYxMzU3YzM4NmE5ZjQ0MzQ4ZDEwNDk.", "~!@#$%^&*()_+{}|:<>?",
		"\xc3\xa9t\xc3\xa9", "caf\xc3\xa9@example.com", "\xe2\x82\xac" "100", "\xf0\x9f\x98\x80@x",
		"\xff\xfe\xfd\xfc", "\x80\x81", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
	};
	static const char *pairs[][2] = {
		{"alice", "atlanta.example.com"}, {"bob", "biloxi.example.com:5070"}, {"", "example.com"},
		{"1001", "10.0.0.1"}, {"+15551234567", "pstn.example.net:5080"}, {"j\xc3\xb6rg", "m\xc3\xbcnchen.de"},
	};
	for (unsigned i = 0; i < sizeof(single) / sizeof(single[0]); i++)
		vector(single[i], NULL);
	for (unsigned i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		vector(pairs[i][0], pairs[i][1]);
	return 0;
}
