/*
 * key=value option lists.  A word is a maximal run of non-space bytes;
 * a word "key=value" matches key exactly (so "test=" does not match
 * "xtest=").  Nothing is copied or modified.
 */
#include "cmdline.h"
#include "string.h"

bool kv_find(const char *s, const char *key, const char **val, size_t *len)
{
	size_t klen = strlen(key);
	bool found = false;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		const char *word = s;
		while (*s != '\0' && *s != ' ')
			s++;
		size_t wlen = (size_t)(s - word);
		if (wlen > klen && strncmp(word, key, klen) == 0 && word[klen] == '=') {
			*val = word + klen + 1;
			*len = wlen - klen - 1;
			found = true;
		}
	}
	return found;
}

bool kv_u32(const char *s, const char *key, uint32_t *out)
{
	const char *val, *end;
	size_t len;

	if (!kv_find(s, key, &val, &len))
		return false;
	return parse_u32(val, &end, out) && end == val + len;
}

bool kw_has(const char *s, const char *word)
{
	size_t len = strlen(word);

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		const char *w = s;
		while (*s != '\0' && *s != ' ')
			s++;
		if ((size_t)(s - w) == len && strncmp(w, word, len) == 0)
			return true;
	}
	return false;
}
