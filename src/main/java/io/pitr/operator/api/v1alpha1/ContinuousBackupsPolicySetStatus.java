package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What a policy set selects now, how its generated policies fare, and its conditions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContinuousBackupsPolicySetStatus {

  /** How many excluded tables status lists by name; the count covers them all. */
  public static final int MAX_EXCLUDED_LISTED = 20;

  @JsonPropertyDescription(
      "The metadata.generation of the spec this status describes. While it is lower than"
          + " metadata.generation, the operator has not yet acted on the latest spec.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "The region the set selects tables in: spec.region, or the operator's default region.")
  private String region;

  @JsonPropertyDescription(
      "How many tables the set selects and manages, each through a generated"
          + " ContinuousBackupsPolicy.")
  private Integer selected;

  @JsonPropertyDescription("How many generated policies are Ready for the set's current template.")
  private Integer ready;

  @JsonPropertyDescription("How many generated policies are Stalled: a person must act.")
  private Integer failing;

  @JsonPropertyDescription(
      "How many tables the selector matches that the set does not manage: see excludedTables.")
  private Integer excluded;

  @JsonPropertyDescription(
      "The first tables (by name, at most 20) the selector matches that the set does not manage,"
          + " each with the reason.")
  private List<ExcludedTable> excludedTables;

  @JsonPropertyDescription(
      "When the listing of the region's tables this status is based on finished (RFC 3339). The"
          + " operator lists them at its discovery interval, finding tables created since, but"
          + " writes status only when something changes, so this may be older than the interval.")
  private String lastDiscoveryTime;

  @JsonPropertyDescription(
      "Ready is True when every selected table has its generated policy, with the current"
          + " template, Ready. Reconciling is present while tables are being discovered or the"
          + " template rolled out, Stalled while the set or one of its policies needs a person.")
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public Integer getSelected() {
    return selected;
  }

  public void setSelected(Integer selected) {
    this.selected = selected;
  }

  public Integer getReady() {
    return ready;
  }

  public void setReady(Integer ready) {
    this.ready = ready;
  }

  public Integer getFailing() {
    return failing;
  }

  public void setFailing(Integer failing) {
    this.failing = failing;
  }

  public Integer getExcluded() {
    return excluded;
  }

  public void setExcluded(Integer excluded) {
    this.excluded = excluded;
  }

  public List<ExcludedTable> getExcludedTables() {
    return excludedTables;
  }

  public void setExcludedTables(List<ExcludedTable> excludedTables) {
    this.excludedTables = excludedTables;
  }

  public String getLastDiscoveryTime() {
    return lastDiscoveryTime;
  }

  public void setLastDiscoveryTime(String lastDiscoveryTime) {
    this.lastDiscoveryTime = lastDiscoveryTime;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ContinuousBackupsPolicySetStatus that
        && Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(region, that.region)
        && Objects.equals(selected, that.selected)
        && Objects.equals(ready, that.ready)
        && Objects.equals(failing, that.failing)
        && Objects.equals(excluded, that.excluded)
        && Objects.equals(excludedTables, that.excludedTables)
        && Objects.equals(lastDiscoveryTime, that.lastDiscoveryTime)
        && Objects.equals(conditions, that.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration,
        region,
        selected,
        ready,
        failing,
        excluded,
        excludedTables,
        lastDiscoveryTime,
        conditions);
  }
}
