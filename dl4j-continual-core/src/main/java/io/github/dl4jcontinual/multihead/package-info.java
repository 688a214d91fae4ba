/**
 * Multi-head task-incremental learning (one output head per task, as in van de Ven's task-IL protocol) for any
 * network the continual trainer accepts: {@link io.github.dl4jcontinual.multihead.TaskHeads} turns the user's
 * output layer into per-task heads through a loss that normalises within the head of each example's task.
 */
package io.github.dl4jcontinual.multihead;
