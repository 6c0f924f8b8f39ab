package io.pitr.operator.sets;

import io.pitr.operator.api.v1alpha1.TableSelector;
import io.pitr.operator.api.v1alpha1.TagRequirement;
import io.pitr.operator.tenancy.TableNamePattern;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Whether a policy set's selector picks a table, from its name and (if it selects by tag) tags. */
public final class TableSelection {

  private TableSelection() {}

  /**
   * The name passes: it matches a pattern of names (or there are none) and none of excludeNames.
   */
  public static boolean nameMatches(TableSelector selector, String tableName) {
    return namesMatch(selector, tableName) && !excludedByName(selector, tableName);
  }

  /** The name matches one of excludeNames, which no tag can change. */
  public static boolean excludedByName(TableSelector selector, String tableName) {
    List<String> excluded = Objects.requireNonNullElse(selector.getExcludeNames(), List.of());
    return excluded.stream().anyMatch(p -> TableNamePattern.matches(p, tableName));
  }

  private static boolean namesMatch(TableSelector selector, String tableName) {
    List<String> names = selector.getNames();
    return names == null || names.stream().anyMatch(p -> TableNamePattern.matches(p, tableName));
  }

  /** Whether the selector needs this table's tags: it selects by tag and the name passes. */
  public static boolean needsTags(TableSelector selector, String tableName) {
    return selector.selectsByTags() && nameMatches(selector, tableName);
  }

  /**
   * Whether the names select the table, excludeNames aside: the table would be selected but for
   * them, if its tags match.
   */
  public static boolean namedButExcluded(TableSelector selector, String tableName) {
    return namesMatch(selector, tableName) && excludedByName(selector, tableName);
  }

  /**
   * Whether the selector picks the table; empty when that depends on tags not read yet.
   *
   * @param tags the table's tags, if read
   */
  public static Optional<Boolean> selects(
      TableSelector selector, String tableName, Optional<Map<String, String>> tags) {
    if (!nameMatches(selector, tableName)) {
      return Optional.of(false);
    }
    if (!selector.selectsByTags()) {
      return Optional.of(true);
    }
    return tags.map(known -> tagsMatch(selector, known));
  }

  private static boolean tagsMatch(TableSelector selector, Map<String, String> tags) {
    Map<String, String> required = Objects.requireNonNullElse(selector.getMatchTags(), Map.of());
    for (Map.Entry<String, String> tag : required.entrySet()) {
      if (!tag.getValue().equals(tags.get(tag.getKey()))) {
        return false;
      }
    }
    List<TagRequirement> expressions =
        Objects.requireNonNullElse(selector.getMatchTagExpressions(), List.of());
    return expressions.stream().allMatch(requirement -> holds(requirement, tags));
  }

  private static boolean holds(TagRequirement requirement, Map<String, String> tags) {
    String value = tags.get(requirement.getKey());
    List<String> values = Objects.requireNonNullElse(requirement.getValues(), List.of());
    return switch (requirement.getOperator()) {
      case In -> value != null && values.contains(value);
      case NotIn -> value == null || !values.contains(value);
      case Exists -> value != null;
      case DoesNotExist -> value == null;
    };
  }
}
