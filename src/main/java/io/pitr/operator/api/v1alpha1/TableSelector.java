package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** Which tables of an account's region a policy set selects: by name, by tags, or both. */
@ValidationRule(
    value = "has(self.names) || has(self.matchTags) || has(self.matchTagExpressions)",
    message =
        "select tables by names, matchTags or matchTagExpressions (names: ['*'] selects every"
            + " table)",
    reason = "FieldValueRequired")
@ValidationRule(
    value =
        "!has(self.matchTags) || self.matchTags.all(k, k.size() >= 1 && k.size() <= 128"
            + " && self.matchTags[k].size() <= 256)",
    message = "a tag key has 1 to 128 characters, a value at most 256",
    fieldPath = ".matchTags",
    reason = "FieldValueInvalid")
public class TableSelector {

  static final String PATTERN_DESCRIPTION =
      " A pattern is a table name in which '*' stands for any run of name characters and '?' for"
          + " one.";

  @Size(min = 1, max = 100)
  @JsonPropertyDescription(
      "Table name patterns: a table is selected only if its name matches one of them (if unset,"
          + " any name)."
          + PATTERN_DESCRIPTION)
  private List<
          @Size(min = 1, max = 255) @io.fabric8.generator.annotation.Pattern("^[a-zA-Z0-9_.*?-]+$")
          String>
      names;

  @Size(max = 100)
  @JsonPropertyDescription(
      "Table name patterns of tables never selected, even when they match everything else."
          + PATTERN_DESCRIPTION)
  private List<
          @Size(min = 1, max = 255) @io.fabric8.generator.annotation.Pattern("^[a-zA-Z0-9_.*?-]+$")
          String>
      excludeNames;

  @Size(max = 50)
  @JsonPropertyDescription(
      "Tags a table must have, each with exactly this value (keys up to 128, values up to 256"
          + " characters). Selecting by tag costs one ListTagsOfResource call per table whose name"
          + " the set selects, when it is found and again at the operator's tag refresh interval.")
  private Map<String, String> matchTags;

  @Size(max = 50)
  @JsonPropertyDescription(
      "Requirements on a table's tags, all of which must hold (as with matchTags, at the cost of"
          + " reading the tags).")
  private List<TagRequirement> matchTagExpressions;

  public List<String> getNames() {
    return names;
  }

  public void setNames(List<String> names) {
    this.names = names;
  }

  public List<String> getExcludeNames() {
    return excludeNames;
  }

  public void setExcludeNames(List<String> excludeNames) {
    this.excludeNames = excludeNames;
  }

  public Map<String, String> getMatchTags() {
    return matchTags;
  }

  public void setMatchTags(Map<String, String> matchTags) {
    this.matchTags = matchTags;
  }

  public List<TagRequirement> getMatchTagExpressions() {
    return matchTagExpressions;
  }

  public void setMatchTagExpressions(List<TagRequirement> matchTagExpressions) {
    this.matchTagExpressions = matchTagExpressions;
  }

  /** Whether the selection depends on tags, which must then be read. */
  public boolean selectsByTags() {
    return (matchTags != null && !matchTags.isEmpty())
        || (matchTagExpressions != null && !matchTagExpressions.isEmpty());
  }
}
