package io.pitr.operator.discovery;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pitr.operator.aws.AwsCallFailed;
import io.pitr.operator.aws.TableListingGateway;
import io.pitr.operator.aws.TableListingGateway.ListingOperation;
import io.pitr.operator.aws.TableListingGateway.TablePage;
import io.pitr.operator.aws.TableListingGateway.TagPage;
import io.pitr.operator.aws.TooManyCallsInFlight;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.TableRef;
import io.pitr.operator.status.PolicyStatusBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * {@link TableDiscovery} on a small scheduled executor shared by every scope: no thread per scope,
 * and none that sleeps while a budget slot comes (the budget's reservation says when to come back,
 * and the step is scheduled for then).
 *
 * <p>Each scope with watchers runs two lanes, one per AWS operation and budget, one step (one call)
 * at a time each: <b>listing</b> reads ListTables pages in order until the last; a table is added
 * as soon as its page is read, and tables a complete round did not list are dropped when it ends;
 * the next round starts {@link DiscoverySettings#interval()} after. <b>Tagging</b> reads the tags
 * of tables some watcher needs them of: new ones first, in the order they were found, then each
 * again once {@link #refreshInterval} has passed since its last read, oldest first; it is woken by
 * new tables and by the end of each round, and otherwise sleeps until the next refresh is due. A
 * table whose tags DynamoDB answers it does not have is gone, and dropped (a later round adds it
 * again if it is still listed, as a table just created may not be visible yet).
 *
 * <p>A failed call is tried again, the same step: after a throttle, a server error, an unreachable
 * endpoint or credentials that do not work (yet), with a backoff doubling from the initial to the
 * maximum one (±20%); after a failure a person has to fix (access denied), at the stalled interval
 * (±20%). The inventory carries the failure (listing's before tagging's) until a call of the
 * failing lane is answered.
 *
 * <p>Watchers are told of a change (on a discovery thread, outside every lock) when tables appear
 * or go, when the first round completes, when tags they need are first read or change, and when a
 * failure starts, changes its reason or ends; a round that changed nothing tells nobody.
 *
 * <p>Thread-safety: {@code watch}, {@code unwatch} and {@code inventory} may be called from any
 * thread. Each scope's state is guarded by the scope's lock, held only between calls; inventories
 * are immutable snapshots, built when asked for after a change.
 */
public final class BackgroundTableDiscovery implements TableDiscovery, AutoCloseable {

  private static final Logger LOG = Logger.getLogger(BackgroundTableDiscovery.class);

  /** Tag refreshes plan on this share of the tag budget, leaving the rest for new tables. */
  static final double REFRESH_SHARE_OF_TAG_READS = 0.8;

  /** Threads for every scope together: the calls are short, and budget waits hold none. */
  static final int THREADS = 2;

  private static final TableInventory NOTHING_YET =
      new TableInventory(Optional.empty(), Collections.emptySortedMap(), Optional.empty());

  private final TableListingGateway gateway;
  private final DiscoverySettings settings;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final ScheduledExecutorService executor;
  private final DoubleSupplier random;
  private final AtomicLong holders = new AtomicLong();

  private final Map<DiscoveryScope, ScopeDiscovery> scopes = new ConcurrentHashMap<>();

  /** Guarded by this: which scope each watcher watches. */
  private final Map<String, DiscoveryScope> watched = new HashMap<>();

  /** Guarded by this: the scopes (different ways into one account's region) by meter tag. */
  private final Map<String, ScopeMeters> meters = new HashMap<>();

  private boolean closed;

  /**
   * @param gateway the AWS calls
   * @param settings intervals, budget and retries
   * @param clock when tables were listed and tags read, and when a refresh is due
   * @param metrics where the gauges and timers go
   */
  public BackgroundTableDiscovery(
      TableListingGateway gateway, DiscoverySettings settings, Clock clock, MeterRegistry metrics) {
    this.gateway = gateway;
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
    // Each discovery thread draws its jitter from its own ThreadLocalRandom.
    this.random = () -> ThreadLocalRandom.current().nextDouble();
    AtomicInteger threads = new AtomicInteger();
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(
            THREADS,
            runnable -> {
              Thread thread = new Thread(runnable, "pitr-discovery-" + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    pool.setRemoveOnCancelPolicy(true);
    this.executor = pool;
  }

  @Override
  public synchronized void watch(
      String watcher, DiscoveryScope scope, Predicate<String> needsTags, Runnable onChange) {
    if (closed) {
      throw new IllegalStateException("discovery is closed");
    }
    DiscoveryScope before = watched.put(watcher, scope);
    if (before != null && !before.equals(scope)) {
      leave(watcher, before);
    }
    ScopeDiscovery discovery = scopes.get(scope);
    if (discovery == null) {
      discovery = new ScopeDiscovery(scope, "pitr-discovery-" + holders.incrementAndGet());
      scopes.put(scope, discovery);
      meters.computeIfAbsent(scope.scope(), ScopeMeters::new).add(discovery);
    }
    discovery.watch(watcher, new Watcher(watcher, needsTags, onChange));
  }

  @Override
  public synchronized void unwatch(String watcher) {
    DiscoveryScope scope = watched.remove(watcher);
    if (scope != null) {
      leave(watcher, scope);
    }
  }

  private void leave(String watcher, DiscoveryScope scope) {
    ScopeDiscovery discovery = scopes.get(scope);
    if (discovery != null && discovery.unwatch(watcher)) {
      scopes.remove(scope);
      discovery.stop();
      ScopeMeters scopeMeters = meters.get(scope.scope());
      if (scopeMeters != null && scopeMeters.remove(discovery)) {
        meters.remove(scope.scope());
      }
    }
  }

  @Override
  public TableInventory inventory(DiscoveryScope scope) {
    ScopeDiscovery discovery = scopes.get(scope);
    return discovery == null ? NOTHING_YET : discovery.inventory();
  }

  /** Stops every scope's discovery and the threads. */
  @Override
  public synchronized void close() {
    closed = true;
    for (String watcher : List.copyOf(watched.keySet())) {
      unwatch(watcher);
    }
    executor.shutdownNow();
  }

  /**
   * How long until a table's tags are read again, when {@code tables} tables need them: the
   * configured interval, or longer when re-reading them all within it would take more than {@link
   * #REFRESH_SHARE_OF_TAG_READS} of the budget (at 8 per second, from about 23,000 tables at 1 h).
   */
  static Duration refreshInterval(int tables, Duration configured, double tagsPerSecond) {
    double seconds = tables / (tagsPerSecond * REFRESH_SHARE_OF_TAG_READS);
    Duration needed = Duration.ofMillis((long) Math.ceil(seconds * 1000));
    return needed.compareTo(configured) > 0 ? needed : configured;
  }

  /** A watcher's registration. */
  private record Watcher(String id, Predicate<String> needsTags, Runnable onChange) {}

  /** A read of one table's tags, page by page. */
  private record TagRead(String name, Optional<String> nextToken, Map<String, String> tags) {
    static TagRead of(String name) {
      return new TagRead(name, Optional.empty(), Map.of());
    }
  }

  /** One table, as discovery keeps it. */
  private static final class Entry {
    final String name;
    boolean needed;
    Optional<Map<String, String>> tags = Optional.empty();
    Optional<Instant> readAt = Optional.empty();

    Entry(String name) {
      this.name = name;
    }

    TableInventory.KnownTable known() {
      return new TableInventory.KnownTable(name, tags, readAt);
    }
  }

  /** A table whose tags have been read, in the order refreshes come due. */
  private record Refresh(Instant readAt, String name) {}

  private static final Comparator<Refresh> OLDEST_FIRST =
      Comparator.comparing(Refresh::readAt).thenComparing(Refresh::name);

  /** The discovery of one scope: its tables, its two lanes, its watchers. */
  private final class ScopeDiscovery {
    private final DiscoveryScope scope;
    private final String holder;
    private final Lane listing = new Lane("ListTables", this::listStep);
    private final Lane tagging = new Lane("ListTagsOfResource", this::tagStep);
    private final Timer rounds;

    // Guarded by this.
    private final Map<String, Watcher> watchers = new LinkedHashMap<>();
    private final TreeMap<String, Entry> tables = new TreeMap<>();

    /** Tables a watcher needs the tags of that have none yet, in the order they were found. */
    private final Set<String> unread = new LinkedHashSet<>();

    /** Tables a watcher needs the tags of that have them. */
    private final TreeSet<Refresh> refreshes = new TreeSet<>(OLDEST_FIRST);

    private TagRead reading;
    private boolean roundUnderway;
    private Optional<String> cursor = Optional.empty();
    private Set<String> seen = new HashSet<>();
    private long roundStartedNanos;
    private Optional<Instant> listedAt = Optional.empty();
    private final Set<Watcher> toNotify = new LinkedHashSet<>();
    private boolean stopped;
    private volatile TableInventory inventory;
    private volatile int tableCount;
    private volatile int unreadCount;

    ScopeDiscovery(DiscoveryScope scope, String holder) {
      this.scope = scope;
      this.holder = holder;
      // Prometheus serves a Micrometer timer as three series: here
      // pitr_discovery_round_duration_seconds_count, _sum and _max (README, Metrics).
      this.rounds =
          Timer.builder("pitr.discovery.round.duration")
              .tag("scope", scope.scope())
              .description("Time from a ListTables round's first call to the end of its last page")
              .register(metrics);
    }

    synchronized void watch(String id, Watcher watcher) {
      boolean first = watchers.isEmpty();
      watchers.put(id, watcher);
      updateNeeds();
      if (first) {
        LOG.infof("Discovering the tables of %s", scope);
        listing.schedule(Duration.ZERO, false);
      }
    }

    /** Forgets a watcher; true when none is left. */
    synchronized boolean unwatch(String id) {
      if (watchers.remove(id) != null) {
        updateNeeds();
      }
      return watchers.isEmpty();
    }

    synchronized void stop() {
      stopped = true;
      listing.cancel();
      tagging.cancel();
      gateway.release(holder);
      LOG.infof("Stopped discovering the tables of %s: no policy set selects from them", scope);
    }

    int tableCount() {
      return tableCount;
    }

    int unreadCount() {
      return unreadCount;
    }

    TableInventory inventory() {
      TableInventory snapshot = inventory;
      if (snapshot != null) {
        return snapshot;
      }
      synchronized (this) {
        if (inventory == null) {
          SortedMap<String, TableInventory.KnownTable> known = new TreeMap<>();
          tables.forEach((name, entry) -> known.put(name, entry.known()));
          inventory =
              new TableInventory(listedAt, Collections.unmodifiableSortedMap(known), failure());
        }
        return inventory;
      }
    }

    /** Marks the inventory changed, for the next one asked for. Guarded by this. */
    private void changed() {
      inventory = null;
      tableCount = tables.size();
      unreadCount = unread.size();
    }

    private Optional<TableInventory.Failure> failure() {
      return listing.failure.or(() -> tagging.failure);
    }

    private boolean needsTags(String name) {
      for (Watcher watcher : watchers.values()) {
        if (watcher.needsTags().test(name)) {
          return true;
        }
      }
      return false;
    }

    /**
     * Which tables need tags, after the watchers changed: tables newly needed are queued for a
     * read; tables no longer needed lose their tags, so that none goes stale in the inventory.
     */
    private void updateNeeds() {
      boolean queued = false;
      for (Entry entry : tables.values()) {
        boolean needed = needsTags(entry.name);
        if (needed == entry.needed) {
          continue;
        }
        entry.needed = needed;
        if (needed) {
          unread.add(entry.name);
          queued = true;
        } else {
          unread.remove(entry.name);
          entry.readAt.ifPresent(at -> refreshes.remove(new Refresh(at, entry.name)));
          entry.tags = Optional.empty();
          entry.readAt = Optional.empty();
        }
      }
      changed();
      if (queued) {
        tagging.kick();
      }
    }

    private void add(String name) {
      Entry entry = new Entry(name);
      entry.needed = needsTags(name);
      tables.put(name, entry);
      if (entry.needed) {
        unread.add(name);
      }
    }

    private void drop(Entry entry) {
      tables.remove(entry.name);
      unread.remove(entry.name);
      entry.readAt.ifPresent(at -> refreshes.remove(new Refresh(at, entry.name)));
    }

    /** Watchers to tell of a change once the step is over. */
    private void tell(Set<Watcher> watchers) {
      toNotify.addAll(watchers);
    }

    // --- listing ----------------------------------------------------------------------------

    private void listStep() throws AwsCallFailed {
      Optional<String> from;
      synchronized (this) {
        if (!roundUnderway) {
          roundUnderway = true;
          cursor = Optional.empty();
          seen = new HashSet<>();
          roundStartedNanos = System.nanoTime();
        }
        from = cursor;
      }
      Optional<Duration> wait =
          gateway.reserve(
              ListingOperation.ListTables, scope.access().accountId(), scope.region(), holder);
      if (wait.isPresent()) {
        synchronized (this) {
          listing.schedule(wait.get(), false);
        }
        return;
      }
      TablePage page = gateway.listTables(scope.access(), scope.region(), from, holder);
      synchronized (this) {
        if (stopped) {
          return;
        }
        succeeded(listing);
        boolean changedTables = false;
        boolean queued = false;
        for (String name : page.tableNames()) {
          seen.add(name);
          if (!tables.containsKey(name)) {
            add(name);
            changedTables = true;
            queued |= tables.get(name).needed;
          }
        }
        cursor = page.lastEvaluatedTableName();
        if (cursor.isEmpty()) {
          changedTables |= endRound();
          listing.schedule(settings.interval(), false);
          tagging.kick(); // refreshes may have come due
        } else {
          listing.schedule(Duration.ZERO, false);
          if (queued) {
            tagging.kick();
          }
        }
        if (changedTables) {
          changed();
          tell(Set.copyOf(watchers.values()));
        }
      }
    }

    /**
     * Drops what the round did not list; true if that, or its being the first, changed anything.
     */
    private boolean endRound() {
      int before = tables.size();
      for (Iterator<Entry> entries = tables.values().iterator(); entries.hasNext(); ) {
        Entry entry = entries.next();
        if (!seen.contains(entry.name)) {
          entries.remove();
          unread.remove(entry.name);
          entry.readAt.ifPresent(at -> refreshes.remove(new Refresh(at, entry.name)));
        }
      }
      boolean first = listedAt.isEmpty();
      listedAt = Optional.of(clock.instant());
      roundUnderway = false;
      seen = new HashSet<>();
      Duration took = Duration.ofNanos(System.nanoTime() - roundStartedNanos);
      rounds.record(took);
      int gone = before - tables.size();
      if (first) {
        LOG.infof("Found %d tables in %s in %d ms", tables.size(), scope, took.toMillis());
      } else {
        LOG.debugf(
            "Listed %d tables in %s in %d ms (%d gone)",
            tables.size(), scope, took.toMillis(), gone);
      }
      changed(); // listedAt moved, whether or not anyone is told
      return first || gone > 0;
    }

    // --- tagging ----------------------------------------------------------------------------

    private void tagStep() throws AwsCallFailed {
      TagRead read;
      synchronized (this) {
        read = nextRead(clock.instant());
        if (read == null) {
          return;
        }
        reading = read;
      }
      Optional<Duration> wait =
          gateway.reserve(
              ListingOperation.ListTagsOfResource,
              scope.access().accountId(),
              scope.region(),
              holder);
      if (wait.isPresent()) {
        synchronized (this) {
          tagging.schedule(wait.get(), false);
        }
        return;
      }
      TableRef table = new TableRef(scope.access().accountId(), scope.region(), read.name());
      TagPage page;
      try {
        page = gateway.listTags(table, read.nextToken(), scope.access(), holder);
      } catch (AwsCallFailed failed) {
        boolean notFound = failed.reason() == ConditionReason.TableNotFound;
        if (!notFound && failed.reason().kind() != ConditionReason.Kind.STALLED) {
          throw failed; // transient: the same read again, after a backoff
        }
        synchronized (this) {
          if (stopped) {
            return;
          }
          reading = null;
          // Only a complete listing says a table is gone: a tag read may lag behind a new table,
          // and a wrong account id would make every table look gone. A read refused for one table
          // (its tags denied by the role's policy) must not stop the others'. Either way its tags
          // are unknown, so no set decides on it, until the next refresh.
          unreadable(read.name());
          if (notFound) {
            succeeded(tagging);
          } else {
            record(tagging, failed.reason(), failed.getMessage());
          }
          tagging.schedule(Duration.ZERO, false);
        }
        return;
      }
      synchronized (this) {
        if (stopped) {
          return;
        }
        succeeded(tagging);
        Map<String, String> tags = new LinkedHashMap<>(read.tags());
        tags.putAll(page.tags());
        if (page.nextToken().isPresent()) {
          reading = new TagRead(read.name(), page.nextToken(), Map.copyOf(tags));
        } else {
          reading = null;
          readTags(read.name(), Map.copyOf(tags));
        }
        tagging.schedule(Duration.ZERO, false);
      }
    }

    /**
     * The read to make next: the one under way, else the first new table, else the refresh due
     * longest; null (and a sleep until the next refresh is due) when there is none.
     */
    private TagRead nextRead(Instant now) {
      if (reading != null) {
        Entry entry = tables.get(reading.name());
        if (entry != null && entry.needed) {
          return reading;
        }
        reading = null;
      }
      if (!unread.isEmpty()) {
        return TagRead.of(unread.iterator().next());
      }
      if (refreshes.isEmpty()) {
        return null;
      }
      Refresh oldest = refreshes.first();
      Instant due =
          oldest
              .readAt()
              .plus(
                  refreshInterval(
                      refreshes.size() + unread.size(),
                      settings.tagRefreshInterval(),
                      settings.listTagsPerSecond()));
      if (!due.isAfter(now)) {
        return TagRead.of(oldest.name());
      }
      tagging.schedule(Duration.between(now, due), true);
      return null;
    }

    /** The table's tags could not be read: unknown, and read again at its next refresh. */
    private void unreadable(String name) {
      Entry entry = tables.get(name);
      if (entry == null || !entry.needed) {
        return;
      }
      Optional<Map<String, String>> before = entry.tags;
      entry.readAt.ifPresent(at -> refreshes.remove(new Refresh(at, name)));
      unread.remove(name);
      Instant now = clock.instant();
      entry.tags = Optional.empty();
      entry.readAt = Optional.of(now);
      refreshes.add(new Refresh(now, name));
      changed();
      if (before.isPresent()) {
        tellInterested(name);
      }
    }

    private void tellInterested(String name) {
      Set<Watcher> interested = new LinkedHashSet<>();
      for (Watcher watcher : watchers.values()) {
        if (watcher.needsTags().test(name)) {
          interested.add(watcher);
        }
      }
      tell(interested);
    }

    private void readTags(String name, Map<String, String> tags) {
      Entry entry = tables.get(name);
      if (entry == null || !entry.needed) {
        return; // gone, or no longer needed, while it was read
      }
      Optional<Map<String, String>> before = entry.tags;
      entry.readAt.ifPresent(at -> refreshes.remove(new Refresh(at, name)));
      unread.remove(name);
      Instant now = clock.instant();
      entry.tags = Optional.of(tags);
      entry.readAt = Optional.of(now);
      refreshes.add(new Refresh(now, name));
      changed();
      if (!before.equals(entry.tags)) {
        tellInterested(name);
      }
    }

    // --- failures ---------------------------------------------------------------------------

    /** A call of the lane was answered: its failure, if any, is over. */
    private void succeeded(Lane lane) {
      lane.failedInARow = 0;
      if (lane.failure.isEmpty()) {
        return;
      }
      Optional<TableInventory.Failure> before = failure();
      LOG.infof(
          "%s in %s works again (failing since %s)",
          lane.operation, scope, lane.failure.get().since());
      lane.failure = Optional.empty();
      changed();
      if (!sameReason(before, failure())) {
        tell(Set.copyOf(watchers.values()));
      }
    }

    /** A call of the lane failed: recorded, and the same step tried again when its reason says. */
    private void failed(Lane lane, ConditionReason reason, String message) {
      record(lane, reason, message);
      lane.schedule(
          reason.kind() == ConditionReason.Kind.STALLED
              ? jittered(settings.stalled())
              : backoff(lane.failedInARow),
          false);
    }

    /** A call of the lane failed: recorded, watchers told if the reason is new. */
    private void record(Lane lane, ConditionReason reason, String message) {
      Optional<TableInventory.Failure> before = failure();
      String bounded = PolicyStatusBuilder.bounded(message);
      Instant since =
          lane.failure.filter(old -> old.reason() == reason).map(old -> old.since()).orElse(null);
      if (since == null) {
        since = clock.instant();
        LOG.warnf("%s in %s fails: %s", lane.operation, scope, bounded);
      } else {
        LOG.debugf("%s in %s still fails: %s", lane.operation, scope, bounded);
      }
      lane.failure = Optional.of(new TableInventory.Failure(reason, bounded, since));
      lane.failedInARow++;
      changed();
      if (!sameReason(before, failure())) {
        tell(Set.copyOf(watchers.values()));
      }
    }

    private boolean sameReason(
        Optional<TableInventory.Failure> before, Optional<TableInventory.Failure> after) {
      return before.map(TableInventory.Failure::reason).equals(after.map(f -> f.reason()));
    }

    /**
     * The initial backoff, doubled for each failure in a row after the first, up to the maximum.
     */
    private Duration backoff(int failuresInARow) {
      Duration wait = settings.initialBackoff();
      for (int i = 1; i < failuresInARow && wait.compareTo(settings.maxBackoff()) < 0; i++) {
        wait = wait.multipliedBy(2);
      }
      return jittered(wait.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : wait);
    }

    private Duration jittered(Duration base) {
      double factor = 0.8 + random.getAsDouble() * 0.4;
      return Duration.ofMillis(Math.max(1, Math.round(base.toMillis() * factor)));
    }

    /**
     * One AWS operation's steps in this scope, one at a time: a step asks for the next, which is
     * scheduled only once it is over, and a scheduled run that was replaced (its ticket no longer
     * the lane's) does nothing, even if it had already started when it was cancelled.
     */
    private final class Lane {
      private final String operation;
      private final Step step;
      // Guarded by ScopeDiscovery.this.
      private ScheduledFuture<?> next;
      private Object ticket;
      private boolean sleeping;
      private boolean running;
      private boolean kicked;
      private Duration pending;
      private boolean pendingSleeping;
      private Optional<TableInventory.Failure> failure = Optional.empty();
      private int failedInARow;

      Lane(String operation, Step step) {
        this.operation = operation;
        this.step = step;
      }

      /**
       * Runs the next step after {@code delay} (once the step under way, if any, is over), in place
       * of any step scheduled; a sleeping lane ({@code sleeping}: nothing to do until then) is
       * woken early by {@link #kick}.
       */
      void schedule(Duration delay, boolean sleeping) {
        if (stopped) {
          return;
        }
        if (running) {
          pending = delay;
          pendingSleeping = sleeping;
        } else {
          start(delay, sleeping);
        }
      }

      /** There may be work: a lane that is idle or sleeping looks now. */
      void kick() {
        if (stopped) {
          return;
        }
        if (running) {
          kicked = true;
        } else if (next == null || sleeping) {
          start(Duration.ZERO, false);
        }
      }

      void cancel() {
        if (next != null) {
          next.cancel(false);
          next = null;
        }
        ticket = null;
      }

      private void start(Duration delay, boolean sleeping) {
        cancel();
        this.sleeping = sleeping;
        Object mine = new Object();
        ticket = mine;
        // Whole milliseconds, rounded up, so as not to come back before a budget slot.
        long millis = Math.max(0, (delay.toNanos() + 999_999) / 1_000_000);
        next = executor.schedule(() -> run(mine), millis, TimeUnit.MILLISECONDS);
      }

      private void run(Object mine) {
        synchronized (ScopeDiscovery.this) {
          if (stopped || ticket != mine) {
            return;
          }
          ticket = null;
          next = null;
          running = true;
          kicked = false;
          pending = null;
        }
        try {
          step.run();
        } catch (AwsCallFailed failedCall) {
          synchronized (ScopeDiscovery.this) {
            failed(this, failedCall.reason(), failedCall.getMessage());
          }
        } catch (TooManyCallsInFlight busy) {
          // The region is slow: look again in a second or so, holding no thread meanwhile.
          synchronized (ScopeDiscovery.this) {
            schedule(Duration.ofMillis(1000 + Math.round(random.getAsDouble() * 500)), false);
          }
        } catch (CancellationException stopping) {
          LOG.debugf("%s in %s interrupted: stopping", operation, scope);
        } catch (RuntimeException bug) {
          LOG.errorf(bug, "%s in %s failed unexpectedly", operation, scope);
          synchronized (ScopeDiscovery.this) {
            failed(
                this,
                ConditionReason.ReconciliationFailed,
                "Discovery failed unexpectedly in "
                    + operation
                    + ": "
                    + bug.getClass().getSimpleName());
          }
        }
        List<Watcher> notify;
        synchronized (ScopeDiscovery.this) {
          running = false;
          if (!stopped) {
            if (pending != null && !(kicked && pendingSleeping)) {
              start(pending, pendingSleeping);
            } else if (kicked || pending != null) {
              start(Duration.ZERO, false);
            }
          }
          pending = null;
          kicked = false;
          notify = stopped ? List.of() : new ArrayList<>(toNotify);
          toNotify.clear();
        }
        for (Watcher watcher : notify) {
          try {
            watcher.onChange().run();
          } catch (RuntimeException e) {
            LOG.warnf(e, "Watcher %s of %s failed on a change", watcher.id(), scope);
          }
        }
      }
    }
  }

  /** A lane's step: one call, or none when there is nothing to do or the budget says wait. */
  @FunctionalInterface
  private interface Step {
    void run() throws AwsCallFailed;
  }

  /** The meters of one account's region, however many ways into it are discovered. */
  private final class ScopeMeters {
    private final List<ScopeDiscovery> discoveries = new CopyOnWriteArrayList<>();
    private final List<Meter> registered = new ArrayList<>();

    ScopeMeters(String scope) {
      registered.add(
          Gauge.builder(
                  "pitr.discovery.tables",
                  discoveries,
                  all -> all.stream().mapToInt(ScopeDiscovery::tableCount).sum())
              .tag("scope", scope)
              .description("Tables discovery knows in the account's region")
              .strongReference(true)
              .register(metrics));
      registered.add(
          Gauge.builder(
                  "pitr.discovery.tags.unread",
                  discoveries,
                  all -> all.stream().mapToInt(ScopeDiscovery::unreadCount).sum())
              .tag("scope", scope)
              .description("Tables a policy set needs the tags of that have not been read yet")
              .strongReference(true)
              .register(metrics));
    }

    void add(ScopeDiscovery discovery) {
      discoveries.add(discovery);
    }

    /** Removes a discovery; true (and the meters gone) when none is left. */
    boolean remove(ScopeDiscovery discovery) {
      discoveries.remove(discovery);
      if (!discoveries.isEmpty()) {
        return false;
      }
      registered.forEach(metrics::remove);
      metrics.remove(discovery.rounds);
      return true;
    }
  }
}
