/* test_kg.c — the prerequisite graph's cycle check (kg/dag.c): acyclic graphs
 * pass, every cycle is found and read back in order, self-loops, long chains
 * (no recursion) and bad input. */
#include "harness.h"

#include "kg/kg.h"

#include <stdlib.h>

TEST(kg_dag_acyclic) {
    /* a diamond: 3 needs 1 and 2, both need 0 */
    sh_kg_arc arcs[] = {{3, 1}, {3, 2}, {1, 0}, {2, 0}};
    int cycle[4], len = -1;
    CHECK(sh_kg_find_cycle(4, arcs, 4, cycle, &len) == 0);
    CHECK(len == 0);
    CHECK(sh_kg_find_cycle(4, arcs, 0, cycle, &len) == 0);
    CHECK(sh_kg_find_cycle(0, NULL, 0, cycle, &len) == 0);
}

TEST(kg_dag_cycle_named_in_order) {
    /* 0 needs 1, 1 needs 2, 2 needs 0; 3 hangs off the side */
    sh_kg_arc arcs[] = {{3, 0}, {0, 1}, {1, 2}, {2, 0}};
    int cycle[4], len = 0;
    REQUIRE(sh_kg_find_cycle(4, arcs, 4, cycle, &len) == 1);
    REQUIRE(len == 3);
    /* whichever node it starts at, each needs the next and the last needs the first */
    for (int i = 0; i < len; i++) {
        int from = cycle[i], to = cycle[(i + 1) % len], found = 0;
        for (int k = 0; k < 4; k++)
            found |= arcs[k].from == from && arcs[k].to == to;
        CHECK(found);
    }
}

TEST(kg_dag_self_loop_and_two_cycle) {
    sh_kg_arc self[] = {{1, 1}};
    int cycle[3], len = 0;
    CHECK(sh_kg_find_cycle(3, self, 1, cycle, &len) == 1);
    CHECK(len == 1 && cycle[0] == 1);
    sh_kg_arc two[] = {{0, 2}, {2, 0}};
    CHECK(sh_kg_find_cycle(3, two, 2, cycle, &len) == 1);
    CHECK(len == 2);
}

TEST(kg_dag_long_chain_and_bad_input) {
    enum { N = 200000 };
    sh_kg_arc *arcs = malloc(N * sizeof *arcs);
    int *cycle = malloc(N * sizeof *cycle);
    REQUIRE(arcs && cycle);
    for (int i = 0; i < N - 1; i++)
        arcs[i] = (sh_kg_arc){i + 1, i};
    int len = 0;
    CHECK(sh_kg_find_cycle(N, arcs, N - 1, cycle, &len) == 0);
    arcs[N - 1] = (sh_kg_arc){0, N - 1}; /* close the chain: every node is on the cycle */
    CHECK(sh_kg_find_cycle(N, arcs, N, cycle, &len) == 1);
    CHECK(len == N);
    sh_kg_arc out[] = {{0, 5}};
    CHECK(sh_kg_find_cycle(3, out, 1, cycle, &len) == SH_ERR);
    sh_kg_arc neg[] = {{-1, 0}};
    CHECK(sh_kg_find_cycle(3, neg, 1, cycle, &len) == SH_ERR);
    free(arcs);
    free(cycle);
}
