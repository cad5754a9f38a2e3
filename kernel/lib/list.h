/* list.h: intrusive circular doubly-linked lists. */
#ifndef LULL_LIB_LIST_H
#define LULL_LIB_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *prev, *next;
};

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

static inline void list_init(struct list_node *head)
{
	head->prev = head->next = head;
}

static inline bool list_empty(const struct list_node *head)
{
	return head->next == head;
}

/* A node that is on no list points to itself (after list_init or remove). */
static inline bool list_linked(const struct list_node *node)
{
	return node->next != node && node->next != NULL;
}

static inline void list_insert_before(struct list_node *pos, struct list_node *node)
{
	node->prev = pos->prev;
	node->next = pos;
	pos->prev->next = node;
	pos->prev = node;
}

static inline void list_push_back(struct list_node *head, struct list_node *node)
{
	list_insert_before(head, node);
}

static inline void list_remove(struct list_node *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->prev = node->next = node;
}

static inline struct list_node *list_pop_front(struct list_node *head)
{
	struct list_node *n = head->next;
	if (n == head)
		return NULL;
	list_remove(n);
	return n;
}

#endif
