/**
 * The pure decisions of a {@code MysqlBackupSchedule} (issue 9): which slot is due, which slots
 * were missed and why, the child's name, which children retention keeps or deletes, when a schedule
 * is overdue, and which template metadata is stripped.
 *
 * <p>Nothing here talks to Kubernetes or reads a clock: every function takes plain Java values
 * ({@link java.time.Instant}, {@link java.time.ZoneId}, {@link java.time.Duration}, records) and
 * returns a record, so each rule is pinned by a fast unit test. The schedule reconciler (a later
 * issue-9 session) observes the resource and its children, calls these functions with its injected
 * clock's {@code now}, and acts on the answers.
 */
package dev.stowage.operator.schedule;
