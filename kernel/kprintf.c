/*
 * kprintf: a small printf for the console (uart.c), and ksnprintf into a
 * buffer, both through one formatter that emits bytes to a sink.
 *
 * Numbers are converted into a local buffer, least significant digit
 * first, then padded to the requested width.  All conversions go through
 * one 64-bit path; the division is udivmod64(), never libgcc's.
 */
#include "kprintf.h"
#include "div64.h"
#include "uart.h"

/* Where formatted bytes go: the console, or a bounded buffer. */
struct sink {
	char *buf; /* NULL: the console */
	size_t size, len;
};

static void sink_put(struct sink *k, char c)
{
	if (k->buf == NULL)
		uart_putc(c);
	else if (k->len + 1 < k->size)
		k->buf[k->len] = c;
	k->len++;
}

static void put_number(struct sink *k, uint64_t v, unsigned base, bool upper, bool neg, int width, char pad, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0;

	do {
		uint32_t d;
		v = udivmod64(v, base, &d);
		buf[n++] = digits[d];
	} while (v != 0);
	int len = n + (neg ? 1 : 0);
	if (!left && pad == ' ')
		for (int i = len; i < width; i++)
			sink_put(k, ' ');
	if (neg)
		sink_put(k, '-');
	if (!left && pad == '0')
		for (int i = len; i < width; i++)
			sink_put(k, '0');
	while (n > 0)
		sink_put(k, buf[--n]);
	if (left)
		for (int i = len; i < width; i++)
			sink_put(k, ' ');
}

static void put_string(struct sink *k, const char *s, int width, bool left)
{
	int n = 0;

	if (s == NULL)
		s = "(null)";
	while (s[n] != '\0')
		n++;
	if (!left)
		for (int i = n; i < width; i++)
			sink_put(k, ' ');
	for (int i = 0; i < n; i++)
		sink_put(k, s[i]);
	if (left)
		for (int i = n; i < width; i++)
			sink_put(k, ' ');
}

static void format(struct sink *k, const char *fmt, va_list ap)
{
	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			sink_put(k, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		bool left = false;
		for (;; fmt++) {
			if (*fmt == '0')
				pad = '0';
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		if (left)
			pad = ' ';
		int width = 0;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		int longs = 0;
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}

		uint64_t u;
		int64_t s;
		switch (*fmt) {
		case 'd':
		case 'i':
			s = longs >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int32_t);
			put_number(k, s < 0 ? -(uint64_t)s : (uint64_t)s, 10, false, s < 0, width, pad, left);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = longs >= 2 ? va_arg(ap, uint64_t) : va_arg(ap, uint32_t);
			put_number(k, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', false, width, pad, left);
			break;
		case 'p':
			put_string(k, "0x", 0, false);
			put_number(k, (uintptr_t)va_arg(ap, void *), 16, false, false, 8, '0', false);
			break;
		case 's':
			put_string(k, va_arg(ap, const char *), width, left);
			break;
		case 'c':
			sink_put(k, (char)va_arg(ap, int));
			break;
		case '%':
			sink_put(k, '%');
			break;
		case '\0':
			return;
		default: /* unknown conversion: print it as is */
			sink_put(k, '%');
			sink_put(k, *fmt);
			break;
		}
	}
}

void vkprintf(const char *fmt, va_list ap)
{
	struct sink k = { NULL, 0, 0 };

	format(&k, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct sink k = { buf, size, 0 };
	va_list ap;

	va_start(ap, fmt);
	format(&k, fmt, ap);
	va_end(ap);
	if (size > 0)
		buf[k.len < size ? k.len : size - 1] = '\0';
	return (int)k.len;
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}
