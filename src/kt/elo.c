/* elo.c — Elo ratings for item difficulty and student ability (Pelánek 2016):
 * an answer is a match between student and item, p = σ(ability − difficulty),
 * both move by K(n)·(correct − p) with K(n) = α / (1 + β·n) shrinking as a
 * side collects answers. O(1) per answer, no batch fit. See kt.h. */
#include "kt/kt.h"

#include <math.h>

double kt_elo_p(double ability, double difficulty) { return 1 / (1 + exp(-(ability - difficulty))); }

double kt_elo_update(const kt_elo *e, double *ability, int *n_student, double *difficulty, int *n_item,
                     int correct) {
    double p = kt_elo_p(*ability, *difficulty), diff = (correct ? 1.0 : 0.0) - p;
    *ability += e->alpha / (1 + e->beta * *n_student) * diff;
    *difficulty -= e->alpha / (1 + e->beta * *n_item) * diff;
    ++*n_student;
    ++*n_item;
    return p;
}
