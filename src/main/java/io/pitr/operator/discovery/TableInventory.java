package io.pitr.operator.discovery;

import io.pitr.operator.pitr.ConditionReason;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * What discovery knows of the tables of one scope at one moment. Immutable.
 *
 * @param listedAt when the last complete ListTables round ended; empty until the first one has
 * @param tables every table the last complete round found (and new ones a round under way has found
 *     so far), by name
 * @param failure why the last call discovery made for this scope failed, while it is failing
 */
public record TableInventory(
    Optional<Instant> listedAt, SortedMap<String, KnownTable> tables, Optional<Failure> failure) {

  /** Whether a complete round has listed the scope's tables, so that a table absent is gone. */
  public boolean complete() {
    return listedAt.isPresent();
  }

  /**
   * One table.
   *
   * @param name the table's name
   * @param tags its tags as last read, empty until they have been (only tables a watcher needs the
   *     tags of have them read)
   * @param tagsReadAt when they were read
   */
  public record KnownTable(
      String name, Optional<Map<String, String>> tags, Optional<Instant> tagsReadAt) {}

  /**
   * A failing call: the reason it maps to (Throttled, AccessDenied, ...) and a message fit for a
   * condition.
   */
  public record Failure(ConditionReason reason, String message, Instant since) {}
}
