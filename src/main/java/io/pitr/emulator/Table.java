package io.pitr.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One incarnation of a table: its description, tags and point-in-time recovery state. Deleting and
 * re-creating a table makes a new incarnation, so nothing leaks from the old one. The lifecycle
 * phase is derived from the clock, never advanced by a background thread, so that an injected clock
 * controls it completely. All mutable state is guarded by the instance's monitor.
 */
final class Table {

  /** Where a table is in its life at a given instant (spec section 3.6). */
  enum Phase {
    /** Just created; not yet visible to DescribeTable or the PITR pair. */
    INVISIBLE,
    CREATING,
    /** ACTIVE, but continuous backups are still being enabled. */
    BACKUPS_PENDING,
    ACTIVE,
    /** DeleteTable was called; the PITR pair still work for a moment. */
    DELETING_PITR_VISIBLE,
    DELETING,
    GONE
  }

  static final int DEFAULT_RECOVERY_PERIOD_DAYS = 35;
  private static final Duration LATEST_RESTORABLE_LAG = Duration.ofMinutes(5);

  final String name;
  final String arn;
  final String tableId;
  final Instant createdAt;
  final JsonNode attributeDefinitions;
  final JsonNode keySchema;
  final String billingMode;
  final long readCapacityUnits;
  final long writeCapacityUnits;
  final boolean deletionProtectionEnabled;
  private final EmulatorSettings.Lifecycle lifecycle;

  private Instant deletedAt;
  private final Map<String, String> tags = new LinkedHashMap<>();
  private boolean pitrEnabled;
  private int recoveryPeriodDays;
  private Instant pitrSince;
  private Instant purgeHorizon;

  Table(
      String name,
      String arn,
      Instant createdAt,
      JsonNode attributeDefinitions,
      JsonNode keySchema,
      String billingMode,
      long readCapacityUnits,
      long writeCapacityUnits,
      boolean deletionProtectionEnabled,
      Map<String, String> tags,
      EmulatorSettings.Lifecycle lifecycle) {
    this.name = name;
    this.arn = arn;
    this.tableId = UUID.randomUUID().toString();
    this.createdAt = createdAt;
    this.attributeDefinitions = attributeDefinitions;
    this.keySchema = keySchema;
    this.billingMode = billingMode;
    this.readCapacityUnits = readCapacityUnits;
    this.writeCapacityUnits = writeCapacityUnits;
    this.deletionProtectionEnabled = deletionProtectionEnabled;
    this.lifecycle = lifecycle;
    this.tags.putAll(tags);
  }

  synchronized Phase phase(Instant now) {
    if (deletedAt != null) {
      Duration sinceDelete = Duration.between(deletedAt, now);
      if (sinceDelete.compareTo(lifecycle.deleting()) >= 0) {
        return Phase.GONE;
      }
      return sinceDelete.compareTo(lifecycle.pitrVisibleWhileDeleting()) < 0
          ? Phase.DELETING_PITR_VISIBLE
          : Phase.DELETING;
    }
    Duration age = Duration.between(createdAt, now);
    if (age.compareTo(lifecycle.invisibleAfterCreate()) < 0) {
      return Phase.INVISIBLE;
    }
    if (age.compareTo(lifecycle.creating()) < 0) {
      return Phase.CREATING;
    }
    if (age.compareTo(lifecycle.creating().plus(lifecycle.backupsPendingAfterActive())) < 0) {
      return Phase.BACKUPS_PENDING;
    }
    return Phase.ACTIVE;
  }

  /** Marks the table deleted at {@code now}; the phase follows from the lifecycle timings. */
  synchronized void delete(Instant now) {
    if (deletedAt == null) {
      deletedAt = now;
    }
  }

  synchronized Map<String, String> tags() {
    return new LinkedHashMap<>(tags);
  }

  synchronized void tag(Map<String, String> added) {
    tags.putAll(added);
  }

  synchronized void untag(Iterable<String> keys) {
    keys.forEach(tags::remove);
  }

  synchronized int tagCountWith(Map<String, String> added) {
    Map<String, String> merged = new LinkedHashMap<>(tags);
    merged.putAll(added);
    return merged.size();
  }

  /**
   * Applies an UpdateContinuousBackups request (already validated) and returns the resulting state
   * (spec section 3.3).
   */
  synchronized PitrState updatePitr(
      boolean enable,
      Integer requestedPeriodDays,
      EmulatorSettings.EnableWithoutPeriod enableWithoutPeriod,
      Instant now) {
    if (!enable) {
      pitrEnabled = false;
      recoveryPeriodDays = 0;
      pitrSince = null;
      purgeHorizon = null;
    } else if (!pitrEnabled) {
      pitrEnabled = true;
      pitrSince = now.truncatedTo(ChronoUnit.SECONDS);
      purgeHorizon = null;
      recoveryPeriodDays =
          requestedPeriodDays != null ? requestedPeriodDays : DEFAULT_RECOVERY_PERIOD_DAYS;
    } else {
      int newPeriod;
      if (requestedPeriodDays != null) {
        newPeriod = requestedPeriodDays;
      } else if (enableWithoutPeriod == EmulatorSettings.EnableWithoutPeriod.KEEP_CURRENT) {
        newPeriod = recoveryPeriodDays;
      } else {
        newPeriod = DEFAULT_RECOVERY_PERIOD_DAYS;
      }
      if (newPeriod != recoveryPeriodDays) {
        // History older than the old window was never kept: lengthening cannot bring it back.
        purgeHorizon = max(purgeHorizon, now.minus(Duration.ofDays(recoveryPeriodDays)));
        recoveryPeriodDays = newPeriod;
      }
    }
    return pitrState(now);
  }

  /**
   * Seeds point-in-time recovery as on since {@code since} with this period, as if it had been
   * turned on then and left alone: for tests and demos of tables older than the run.
   */
  synchronized void seedPitr(int periodDays, Instant since) {
    pitrEnabled = true;
    recoveryPeriodDays = periodDays;
    pitrSince = since.truncatedTo(ChronoUnit.SECONDS);
    purgeHorizon = null;
  }

  synchronized PitrState pitrState(Instant now) {
    if (!pitrEnabled) {
      return PitrState.DISABLED;
    }
    Instant latest = max(pitrSince, now.minus(LATEST_RESTORABLE_LAG));
    Instant earliest =
        max(max(pitrSince, now.minus(Duration.ofDays(recoveryPeriodDays))), purgeHorizon);
    return new PitrState(
        true,
        recoveryPeriodDays,
        earliest.truncatedTo(ChronoUnit.SECONDS),
        latest.truncatedTo(ChronoUnit.SECONDS));
  }

  private static Instant max(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.isAfter(b) ? a : b;
  }

  /**
   * The point-in-time recovery part of a ContinuousBackupsDescription.
   *
   * @param enabled whether PITR is on
   * @param recoveryPeriodDays the period; meaningful only when enabled
   * @param earliestRestorable earliest restorable instant, whole seconds; null when disabled
   * @param latestRestorable latest restorable instant, whole seconds; null when disabled
   */
  record PitrState(
      boolean enabled,
      int recoveryPeriodDays,
      Instant earliestRestorable,
      Instant latestRestorable) {
    static final PitrState DISABLED = new PitrState(false, 0, null, null);
  }
}
