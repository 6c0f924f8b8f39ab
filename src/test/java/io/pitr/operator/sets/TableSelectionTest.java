package io.pitr.operator.sets;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitr.operator.api.v1alpha1.TableSelector;
import io.pitr.operator.api.v1alpha1.TagRequirement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TableSelectionTest {

  @Test
  void namesSelectByPatternAndExcludeNamesWin() {
    TableSelector selector = selector(List.of("orders-*", "payments"), List.of("*-scratch"));

    assertThat(TableSelection.selects(selector, "orders-eu", Optional.empty())).contains(true);
    assertThat(TableSelection.selects(selector, "payments", Optional.empty())).contains(true);
    assertThat(TableSelection.selects(selector, "payments-2", Optional.empty())).contains(false);
    assertThat(TableSelection.selects(selector, "orders-scratch", Optional.empty()))
        .contains(false);
    assertThat(TableSelection.namedButExcluded(selector, "orders-scratch")).isTrue();
    assertThat(TableSelection.namedButExcluded(selector, "other-scratch"))
        .as("not selected by names in the first place")
        .isFalse();
    assertThat(TableSelection.needsTags(selector, "orders-eu"))
        .as("a selector without tags never reads them")
        .isFalse();
  }

  @Test
  void patternsAreNotRegularExpressions() {
    TableSelector selector = selector(List.of("a.c"), null);

    assertThat(TableSelection.selects(selector, "a.c", Optional.empty())).contains(true);
    assertThat(TableSelection.selects(selector, "abc", Optional.empty())).contains(false);
  }

  @Test
  void tagsAreUnknownUntilReadAndOnlyReadForNamesThatPass() {
    TableSelector selector = selector(List.of("orders-*"), List.of("*-scratch"));
    selector.setMatchTags(Map.of("env", "prod"));

    assertThat(TableSelection.selects(selector, "orders-eu", Optional.empty())).isEmpty();
    assertThat(TableSelection.needsTags(selector, "orders-eu")).isTrue();
    assertThat(TableSelection.needsTags(selector, "orders-scratch")).isFalse();
    assertThat(TableSelection.needsTags(selector, "ledger")).isFalse();
    assertThat(TableSelection.selects(selector, "orders-eu", Optional.of(Map.of("env", "prod"))))
        .contains(true);
    assertThat(TableSelection.selects(selector, "orders-eu", Optional.of(Map.of("env", "dev"))))
        .contains(false);
    assertThat(TableSelection.selects(selector, "orders-eu", Optional.of(Map.of())))
        .contains(false);
  }

  @Test
  void tagExpressionsAllHold() {
    TableSelector selector = new TableSelector();
    selector.setMatchTagExpressions(
        List.of(
            requirement("team", TagRequirement.Operator.In, "payments", "ledger"),
            requirement("tier", TagRequirement.Operator.NotIn, "scratch"),
            requirement("owner", TagRequirement.Operator.Exists),
            requirement("legacy", TagRequirement.Operator.DoesNotExist)));

    assertThat(selects(selector, Map.of("team", "ledger", "owner", "x"))).isTrue();
    assertThat(selects(selector, Map.of("team", "ledger", "owner", "x", "tier", "gold"))).isTrue();
    assertThat(selects(selector, Map.of("team", "search", "owner", "x"))).as("In").isFalse();
    assertThat(selects(selector, Map.of("team", "ledger", "owner", "x", "tier", "scratch")))
        .as("NotIn")
        .isFalse();
    assertThat(selects(selector, Map.of("team", "ledger"))).as("Exists").isFalse();
    assertThat(selects(selector, Map.of("team", "ledger", "owner", "x", "legacy", "")))
        .as("DoesNotExist, even with an empty value")
        .isFalse();
    assertThat(TableSelection.needsTags(selector, "anything"))
        .as("no names: every name passes")
        .isTrue();
  }

  private static boolean selects(TableSelector selector, Map<String, String> tags) {
    return TableSelection.selects(selector, "t1", Optional.of(tags)).orElseThrow();
  }

  static TableSelector selector(List<String> names, List<String> excludeNames) {
    TableSelector selector = new TableSelector();
    selector.setNames(names);
    selector.setExcludeNames(excludeNames);
    return selector;
  }

  private static TagRequirement requirement(
      String key, TagRequirement.Operator operator, String... values) {
    TagRequirement requirement = new TagRequirement();
    requirement.setKey(key);
    requirement.setOperator(operator);
    requirement.setValues(values.length == 0 ? null : List.of(values));
    return requirement;
  }
}
