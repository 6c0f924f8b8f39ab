package io.pitr.operator.testing;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chart values for an operator under test: pointed at a DynamoDB endpoint on this machine (the
 * emulator or moto) with static credentials, a short drift interval and quick retries, all set
 * through the chart's own values, extraEnv included.
 */
public final class ChartValues {

  /** The access key the operator signs with, so that tests can tell its calls from their own. */
  public static final String OPERATOR_ACCESS_KEY = "pitr-operator";

  private final Map<String, Object> aws = new LinkedHashMap<>();
  private final Map<String, String> env = new LinkedHashMap<>();
  private List<String> watchNamespaces = List.of();
  private String driftInterval = "2s";
  private boolean tenancy;

  private ChartValues(URI endpoint) {
    aws.put("endpointOverride", endpoint.toString());
    // The emulator answers STS too, for the roles of account bindings.
    aws.put("stsEndpointOverride", endpoint.toString());
    aws.put("describesPerSecond", 10);
    env.put("AWS_ACCESS_KEY_ID", OPERATOR_ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", "test-secret");
    // Tests send nothing off this machine: no instance metadata lookups for a region.
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    // Retries in hundreds of milliseconds, so that tests see several; a stalled policy waits as
    // long as the drift interval allows.
    env.put("PITR_RETRY_INITIAL_BACKOFF", "200ms");
    env.put("PITR_RETRY_MAX_BACKOFF", "2s");
    env.put("PITR_RETRY_TABLE_NOT_FOUND", "500ms");
    env.put("PITR_RETRY_BACKUPS_NOT_YET_AVAILABLE", "300ms");
    env.put("PITR_RETRY_STALLED", "1h");
    env.put("PITR_RETRY_CONFLICT", "500ms");
  }

  /** An operator that calls DynamoDB at {@code endpoint}. */
  public static ChartValues against(URI endpoint) {
    return new ChartValues(endpoint);
  }

  /** The default region (aws.region). */
  public ChartValues region(String region) {
    aws.put("region", region);
    return this;
  }

  /** The account for table ARNs (aws.accountId). */
  public ChartValues accountId(String accountId) {
    aws.put("accountId", accountId);
    return this;
  }

  /** DescribeContinuousBackups per second (aws.describesPerSecond). */
  public ChartValues describesPerSecond(double rate) {
    aws.put("describesPerSecond", rate);
    return this;
  }

  /** UpdateContinuousBackups per second (aws.updatesPerSecond). */
  public ChartValues updatesPerSecond(double rate) {
    aws.put("updatesPerSecond", rate);
    return this;
  }

  /** This release's share of the budgets (aws.budgetShare). */
  public ChartValues budgetShare(double share) {
    aws.put("budgetShare", share);
    return this;
  }

  /** The drift interval (driftInterval), 2s unless set. */
  public ChartValues driftInterval(String interval) {
    this.driftInterval = interval;
    return this;
  }

  /** The namespaces to watch (watchNamespaces); all when none are given. */
  public ChartValues watchNamespaces(String... namespaces) {
    this.watchNamespaces = List.of(namespaces);
    return this;
  }

  /** Enforce account bindings (tenancy.enabled). */
  public ChartValues tenancy() {
    this.tenancy = true;
    return this;
  }

  /** One more environment variable for the operator (extraEnv). */
  public ChartValues env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /** The values, as a values file holds them. */
  public Map<String, Object> build() {
    List<Map<String, String>> extraEnv = new ArrayList<>();
    env.forEach((name, value) -> extraEnv.add(Map.of("name", name, "value", value)));
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("aws", aws);
    values.put("driftInterval", driftInterval);
    values.put("watchNamespaces", watchNamespaces);
    values.put("extraEnv", extraEnv);
    values.put("tenancy", Map.of("enabled", tenancy));
    return values;
  }
}
