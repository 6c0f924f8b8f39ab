package io.pitr.operator.discovery;

import java.util.function.Predicate;

/**
 * Finds the tables of each scope policy sets select from, and the tags of those they select by tag,
 * in the background and within the AWS call budgets: ListTables at the discovery interval (new
 * tables are found within it), ListTagsOfResource for each new table a watcher needs the tags of,
 * and again at the tag refresh interval. A scope is discovered while it has watchers.
 */
public interface TableDiscovery {

  /**
   * Registers what {@code watcher} (a policy set, by UID) needs, replacing what it registered
   * before: the tables of {@code scope}, and the tags of those whose names {@code needsTags}
   * accepts. {@code onChange} is called (on a discovery thread; it must not block) whenever the
   * scope's inventory changes in a way that matters to the watcher: tables appear or go, tags it
   * needs are first read or change, a failure starts or ends.
   */
  void watch(String watcher, DiscoveryScope scope, Predicate<String> needsTags, Runnable onChange);

  /** Forgets a watcher; a scope without watchers is no longer discovered. */
  void unwatch(String watcher);

  /** What is known of the scope now; an empty, incomplete inventory before its first round. */
  TableInventory inventory(DiscoveryScope scope);
}
