/* dag.c — the cycle check of the prerequisite graph: pure, store-free. A
 * depth-first search with three colours over an adjacency list built from the
 * arcs; the first back edge found gives the cycle, read back along the parent
 * links. Iterative, so a long chain cannot overflow the stack. */
#include "kg/kg.h"

#include "core/alloc.h"

#include <string.h>

int sh_kg_find_cycle(int n, const sh_kg_arc *arcs, int narcs, int *cycle, int *len) {
    *len = 0;
    if (n <= 0)
        return 0;
    for (int i = 0; i < narcs; i++)
        if (arcs[i].from < 0 || arcs[i].from >= n || arcs[i].to < 0 || arcs[i].to >= n)
            return SH_ERR;
    /* compressed adjacency: first[v] .. first[v+1] in next[] */
    int *first = sh_calloc((size_t)n + 1, sizeof *first);
    int *adj = sh_calloc((size_t)narcs + 1, sizeof *adj);
    int *colour = sh_calloc((size_t)n, sizeof *colour); /* 0 new, 1 on the path, 2 done */
    int *parent = sh_calloc((size_t)n, sizeof *parent);
    int *pos = sh_calloc((size_t)n, sizeof *pos);
    int *stack = sh_calloc((size_t)n, sizeof *stack);
    int rc = SH_ERR;
    if (!first || !adj || !colour || !parent || !pos || !stack)
        goto out;
    for (int i = 0; i < narcs; i++)
        first[arcs[i].from + 1]++;
    for (int v = 0; v < n; v++)
        first[v + 1] += first[v];
    memcpy(pos, first, (size_t)n * sizeof *pos);
    for (int i = 0; i < narcs; i++)
        adj[pos[arcs[i].from]++] = arcs[i].to;
    rc = 0;
    for (int root = 0; root < n && rc == 0; root++) {
        if (colour[root])
            continue;
        int top = 0;
        stack[top++] = root;
        colour[root] = 1;
        parent[root] = -1;
        pos[root] = first[root];
        while (top > 0 && rc == 0) {
            int v = stack[top - 1];
            if (pos[v] == first[v + 1]) {
                colour[v] = 2;
                top--;
                continue;
            }
            int w = adj[pos[v]++];
            if (colour[w] == 0) {
                colour[w] = 1;
                parent[w] = v;
                pos[w] = first[w];
                stack[top++] = w;
            } else if (colour[w] == 1) { /* back edge v → w: the cycle is w … v */
                int k = 0;
                for (int u = v; u != w; u = parent[u])
                    stack[k++] = u; /* the path is no longer needed: reuse it */
                cycle[(*len)++] = w;
                while (k > 0)
                    cycle[(*len)++] = stack[--k];
                rc = 1;
            }
        }
    }
out:
    sh_free(first);
    sh_free(adj);
    sh_free(colour);
    sh_free(parent);
    sh_free(pos);
    sh_free(stack);
    return rc;
}
