/*
 * Intrusive doubly-linked tail queues, after BSD's <sys/queue.h> TAILQ
 * (the subset the kernel uses).  An element embeds a TAILQ_ENTRY and can
 * be removed in O(1) without knowing its list's head.  No locking: the
 * owner of a list says what protects it.
 */
#ifndef KERNEL_QUEUE_H
#define KERNEL_QUEUE_H

#define TAILQ_HEAD(name, type)                                                                     \
	struct name {                                                                              \
		struct type *tqh_first;                                                            \
		struct type **tqh_last; /* &next of the last element, or &tqh_first */             \
	}

#define TAILQ_ENTRY(type)                                                                          \
	struct {                                                                                   \
		struct type *tqe_next;                                                             \
		struct type **tqe_prev; /* &next of the previous element (or &tqh_first) */        \
	}

#define TAILQ_INIT(head)                                                                           \
	do {                                                                                       \
		(head)->tqh_first = NULL;                                                          \
		(head)->tqh_last = &(head)->tqh_first;                                             \
	} while (0)

#define TAILQ_EMPTY(head) ((head)->tqh_first == NULL)
#define TAILQ_FIRST(head) ((head)->tqh_first)
#define TAILQ_NEXT(elm, field) ((elm)->field.tqe_next)

#define TAILQ_FOREACH(var, head, field)                                                            \
	for ((var) = TAILQ_FIRST(head); (var) != NULL; (var) = TAILQ_NEXT(var, field))

#define TAILQ_INSERT_TAIL(head, elm, field)                                                        \
	do {                                                                                       \
		(elm)->field.tqe_next = NULL;                                                      \
		(elm)->field.tqe_prev = (head)->tqh_last;                                          \
		*(head)->tqh_last = (elm);                                                         \
		(head)->tqh_last = &(elm)->field.tqe_next;                                         \
	} while (0)

#define TAILQ_INSERT_HEAD(head, elm, field)                                                        \
	do {                                                                                       \
		if (((elm)->field.tqe_next = (head)->tqh_first) != NULL)                           \
			(head)->tqh_first->field.tqe_prev = &(elm)->field.tqe_next;                \
		else                                                                               \
			(head)->tqh_last = &(elm)->field.tqe_next;                                 \
		(head)->tqh_first = (elm);                                                         \
		(elm)->field.tqe_prev = &(head)->tqh_first;                                        \
	} while (0)

#define TAILQ_REMOVE(head, elm, field)                                                             \
	do {                                                                                       \
		if ((elm)->field.tqe_next != NULL)                                                 \
			(elm)->field.tqe_next->field.tqe_prev = (elm)->field.tqe_prev;             \
		else                                                                               \
			(head)->tqh_last = (elm)->field.tqe_prev;                                  \
		*(elm)->field.tqe_prev = (elm)->field.tqe_next;                                    \
		(elm)->field.tqe_next = NULL;                                                      \
		(elm)->field.tqe_prev = NULL;                                                      \
	} while (0)

#endif /* KERNEL_QUEUE_H */
