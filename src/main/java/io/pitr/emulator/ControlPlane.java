package io.pitr.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * DynamoDB's control plane for the operations the emulator answers: tables, tags and continuous
 * backups, kept per account and region. Each operation validates its input first (spec 3.3.6), then
 * looks the table up, then acts; state changes are atomic per table.
 */
final class ControlPlane {

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final Pattern TABLE_ARN =
      Pattern.compile("arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\\d{12}):table/([a-zA-Z0-9_.-]+)");
  private static final int MAX_TAGS = 50;
  private static final int LIST_TABLES_PAGE = 100;

  private final EmulatorSettings settings;
  private final Clock clock;
  private final Faults faults;
  private final ConcurrentMap<Scope, ConcurrentMap<String, Table>> tables =
      new ConcurrentHashMap<>();

  ControlPlane(EmulatorSettings settings, Clock clock, Faults faults) {
    this.settings = settings;
    this.clock = clock;
    this.faults = faults;
  }

  ObjectNode handle(Operation operation, Scope scope, RequestBody body) {
    return switch (operation) {
      case CREATE_TABLE -> createTable(scope, body);
      case DESCRIBE_TABLE -> describeTable(scope, body);
      case LIST_TABLES -> listTables(scope, body);
      case DELETE_TABLE -> deleteTable(scope, body);
      case TAG_RESOURCE -> tagResource(body);
      case UNTAG_RESOURCE -> untagResource(body);
      case LIST_TAGS_OF_RESOURCE -> listTagsOfResource(body);
      case UPDATE_CONTINUOUS_BACKUPS -> updateContinuousBackups(scope, body);
      case DESCRIBE_CONTINUOUS_BACKUPS -> describeContinuousBackups(scope, body);
      case ASSUME_ROLE, GET_CALLER_IDENTITY ->
          throw new IllegalArgumentException(operation.apiName() + " is an STS operation");
    };
  }

  /**
   * Creates an on-demand table with these tags that is ACTIVE with backups available now: its
   * creation is dated back by the lifecycle's creating and backups-pending windows. Deletion keeps
   * the lifecycle. Name and tags are validated as CreateTable validates them.
   */
  String createReadyTable(Scope scope, String tableName, Map<String, String> tags) {
    Validation validation = new Validation().tableName(tableName, "tableName");
    int index = 0;
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      String path = "tags." + ++index + ".member.";
      validation
          .required(tag.getKey(), path + "key")
          .length(tag.getKey(), path + "key", 1, 128)
          .required(tag.getValue(), path + "value")
          .length(tag.getValue(), path + "value", 0, 256);
    }
    validation.throwIfInvalid();
    if (tags.size() > MAX_TAGS) {
      throw tooManyTags();
    }
    EmulatorSettings.Lifecycle lifecycle = settings.lifecycle();
    ObjectNode key = JSON.objectNode().put("AttributeName", "pk");
    Table table =
        new Table(
            tableName,
            scope.tableArn(tableName),
            clock
                .instant()
                .minus(lifecycle.creating())
                .minus(lifecycle.backupsPendingAfterActive()),
            JSON.arrayNode().add(key.deepCopy().put("AttributeType", "S")),
            JSON.arrayNode().add(key.deepCopy().put("KeyType", "HASH")),
            "PAY_PER_REQUEST",
            0,
            0,
            false,
            tags,
            lifecycle);
    if (regionTables(scope).putIfAbsent(tableName, table) != null) {
      throw AwsErrorType.RESOURCE_IN_USE.exception("Table already exists: " + tableName);
    }
    return table.arn;
  }

  /** Forgets every table of every account and region. */
  void clear() {
    tables.clear();
  }

  // --- tables -------------------------------------------------------------------------------

  private ObjectNode createTable(Scope scope, RequestBody body) {
    String tableName = body.string("TableName");
    List<RequestBody> attributes = body.structures("AttributeDefinitions");
    List<RequestBody> keySchema = body.structures("KeySchema");
    String billingMode = body.string("BillingMode");
    RequestBody throughput = body.structure("ProvisionedThroughput");
    List<RequestBody> tagList = body.structures("Tags");
    Boolean deletionProtection = body.bool("DeletionProtectionEnabled");

    Validation validation =
        new Validation()
            .required(tableName, "tableName")
            .tableName(tableName, "tableName")
            .required(attributes, "attributeDefinitions")
            .required(keySchema, "keySchema")
            .size(keySchema, "keySchema", 1, 2)
            .oneOf(billingMode, "billingMode", List.of("PROVISIONED", "PAY_PER_REQUEST"));
    List<NamedType> attributeTypes =
        namedTypes(
            attributes,
            "attributeDefinitions",
            "AttributeType",
            List.of("S", "N", "B"),
            validation);
    List<NamedType> keys =
        namedTypes(keySchema, "keySchema", "KeyType", List.of("HASH", "RANGE"), validation);
    Long readCapacity = null;
    Long writeCapacity = null;
    if (throughput != null) {
      readCapacity = throughput.longInteger("ReadCapacityUnits");
      writeCapacity = throughput.longInteger("WriteCapacityUnits");
      validation
          .required(readCapacity, "provisionedThroughput.readCapacityUnits")
          .range(readCapacity, "provisionedThroughput.readCapacityUnits", 1, Long.MAX_VALUE)
          .required(writeCapacity, "provisionedThroughput.writeCapacityUnits")
          .range(writeCapacity, "provisionedThroughput.writeCapacityUnits", 1, Long.MAX_VALUE);
    }
    Map<String, String> tags = readTags(tagList, "tags", validation);
    validation.throwIfInvalid();

    boolean onDemand = "PAY_PER_REQUEST".equals(billingMode);
    if (onDemand && throughput != null) {
      throw Validation.invalid(
          "One or more parameter values were invalid: Neither ReadCapacityUnits nor"
              + " WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
    }
    if (!onDemand && throughput == null) {
      throw Validation.invalid(
          "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits"
              + " must both be specified when BillingMode is PROVISIONED");
    }
    List<String> keyNames = keys.stream().map(NamedType::name).toList();
    Set<String> definedNames =
        attributeTypes.stream().map(NamedType::name).collect(Collectors.toSet());
    if (!"HASH".equals(keys.get(0).type())) {
      throw Validation.invalid(
          "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    }
    if (keys.size() == 2 && !"RANGE".equals(keys.get(1).type())) {
      throw Validation.invalid(
          "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    }
    if (!definedNames.containsAll(keyNames)) {
      throw Validation.invalid(
          "One or more parameter values were invalid: Some index key attributes are not defined"
              + " in AttributeDefinitions. Keys: "
              + keyNames
              + ", AttributeDefinitions: "
              + definedNames);
    }
    if (definedNames.size() != Set.copyOf(keyNames).size()) {
      throw Validation.invalid(
          "One or more parameter values were invalid: Number of attributes in KeySchema does not"
              + " exactly match number of attributes defined in AttributeDefinitions");
    }
    if (tags.size() > MAX_TAGS) {
      throw tooManyTags();
    }

    Instant now = clock.instant();
    Table created =
        new Table(
            tableName,
            scope.tableArn(tableName),
            now,
            body.raw("AttributeDefinitions"),
            body.raw("KeySchema"),
            onDemand ? "PAY_PER_REQUEST" : "PROVISIONED",
            onDemand ? 0 : readCapacity,
            onDemand ? 0 : writeCapacity,
            Boolean.TRUE.equals(deletionProtection),
            tags,
            settings.lifecycle());
    ConcurrentMap<String, Table> regionTables = regionTables(scope);
    Table winner =
        regionTables.compute(
            tableName,
            (name, existing) ->
                existing == null || existing.phase(now) == Table.Phase.GONE ? created : existing);
    if (winner != created) {
      throw AwsErrorType.RESOURCE_IN_USE.exception("Table already exists: " + tableName);
    }
    // CreateTable answers CREATING even when the lifecycle makes the table ACTIVE at once.
    return tableDescriptionResponse(created, "CREATING");
  }

  private ObjectNode describeTable(Scope scope, RequestBody body) {
    TableRef ref = tableRef(scope, body);
    Table table = find(ref);
    Instant now = clock.instant();
    Table.Phase phase = table == null ? Table.Phase.GONE : table.phase(now);
    if (phase == Table.Phase.INVISIBLE || phase == Table.Phase.GONE) {
      throw resourceNotFound(ref.name());
    }
    ObjectNode response = JSON.objectNode();
    response.set("Table", tableDescription(table, tableStatus(phase)));
    return response;
  }

  private ObjectNode listTables(Scope scope, RequestBody body) {
    String exclusiveStart = body.string("ExclusiveStartTableName");
    Integer limit = body.integer("Limit");
    new Validation()
        .tableName(exclusiveStart, "exclusiveStartTableName")
        .range(limit, "limit", 1, LIST_TABLES_PAGE)
        .throwIfInvalid();
    int pageSize = limit == null ? LIST_TABLES_PAGE : limit;
    Instant now = clock.instant();
    List<String> names =
        regionTables(scope).values().stream()
            .filter(table -> table.phase(now) != Table.Phase.GONE)
            .map(table -> table.name)
            .filter(name -> exclusiveStart == null || name.compareTo(exclusiveStart) > 0)
            .sorted()
            .limit(pageSize + 1L)
            .collect(Collectors.toCollection(ArrayList::new));
    ObjectNode response = JSON.objectNode();
    ArrayNode page = response.putArray("TableNames");
    names.stream().limit(pageSize).forEach(page::add);
    if (names.size() > pageSize) {
      response.put("LastEvaluatedTableName", names.get(pageSize - 1));
    }
    return response;
  }

  private ObjectNode deleteTable(Scope scope, RequestBody body) {
    TableRef ref = tableRef(scope, body);
    Table table = find(ref);
    Instant now = clock.instant();
    if (table == null) {
      throw resourceNotFound(ref.name());
    }
    synchronized (table) {
      Table.Phase phase = table.phase(now);
      switch (phase) {
        case GONE -> throw resourceNotFound(ref.name());
        case INVISIBLE, CREATING ->
            throw AwsErrorType.RESOURCE_IN_USE.exception(
                "Attempt to change a resource which is still in use: Table is being created: "
                    + ref.name());
        case BACKUPS_PENDING, ACTIVE -> {
          if (table.deletionProtectionEnabled) {
            throw Validation.invalid(
                "Resource cannot be deleted as it is currently protected against deletion. Disable"
                    + " deletion protection first.");
          }
          table.delete(now);
        }
        case DELETING_PITR_VISIBLE, DELETING -> {
          // Deleting a table that is already being deleted is not an error.
        }
      }
    }
    ObjectNode response = JSON.objectNode();
    response.set("TableDescription", tableDescription(table, "DELETING"));
    return response;
  }

  // --- tags ---------------------------------------------------------------------------------

  private ObjectNode tagResource(RequestBody body) {
    String arn = body.string("ResourceArn");
    List<RequestBody> tagList = body.structures("Tags");
    Validation validation =
        new Validation()
            .required(arn, "resourceArn")
            .length(arn, "resourceArn", 1, 1283)
            .required(tagList, "tags");
    Map<String, String> tags = readTags(tagList, "tags", validation);
    validation.throwIfInvalid();
    Table table = taggedTable(arn);
    synchronized (table) {
      if (table.tagCountWith(tags) > MAX_TAGS) {
        throw tooManyTags();
      }
      table.tag(tags);
    }
    return JSON.objectNode();
  }

  private ObjectNode untagResource(RequestBody body) {
    String arn = body.string("ResourceArn");
    List<String> keys = body.strings("TagKeys");
    Validation validation =
        new Validation()
            .required(arn, "resourceArn")
            .length(arn, "resourceArn", 1, 1283)
            .required(keys, "tagKeys");
    if (keys != null) {
      for (int i = 0; i < keys.size(); i++) {
        validation.length(keys.get(i), "tagKeys." + (i + 1) + ".member", 1, 128);
      }
    }
    validation.throwIfInvalid();
    taggedTable(arn).untag(keys);
    return JSON.objectNode();
  }

  private ObjectNode listTagsOfResource(RequestBody body) {
    String arn = body.string("ResourceArn");
    body.string("NextToken");
    new Validation()
        .required(arn, "resourceArn")
        .length(arn, "resourceArn", 1, 1283)
        .throwIfInvalid();
    ObjectNode response = JSON.objectNode();
    ArrayNode tags = response.putArray("Tags");
    taggedTable(arn)
        .tags()
        .forEach((key, value) -> tags.addObject().put("Key", key).put("Value", value));
    return response;
  }

  /** An AttributeDefinition or KeySchemaElement: an attribute name and its type. */
  private record NamedType(String name, String type) {}

  /**
   * Reads and validates a list of {@code AttributeName} + type structures, such as
   * AttributeDefinitions (type member AttributeType) or KeySchema (KeyType).
   */
  private static List<NamedType> namedTypes(
      List<RequestBody> items,
      String listPath,
      String typeMember,
      List<String> allowedTypes,
      Validation validation) {
    List<NamedType> namedTypes = new ArrayList<>();
    if (items == null) {
      return namedTypes;
    }
    String typePath = Character.toLowerCase(typeMember.charAt(0)) + typeMember.substring(1);
    for (int i = 0; i < items.size(); i++) {
      String path = listPath + "." + (i + 1) + ".member.";
      String name = items.get(i).string("AttributeName");
      String type = items.get(i).string(typeMember);
      validation
          .required(name, path + "attributeName")
          .length(name, path + "attributeName", 1, 255)
          .required(type, path + typePath)
          .oneOf(type, path + typePath, allowedTypes);
      namedTypes.add(new NamedType(name, type));
    }
    return namedTypes;
  }

  private Map<String, String> readTags(
      List<RequestBody> tagList, String path, Validation validation) {
    Map<String, String> tags = new LinkedHashMap<>();
    if (tagList == null) {
      return tags;
    }
    for (int i = 0; i < tagList.size(); i++) {
      String itemPath = path + "." + (i + 1) + ".member.";
      String key = tagList.get(i).string("Key");
      String value = tagList.get(i).string("Value");
      validation
          .required(key, itemPath + "key")
          .length(key, itemPath + "key", 1, 128)
          .required(value, itemPath + "value")
          .length(value, itemPath + "value", 0, 256);
      tags.put(key, value);
    }
    return tags;
  }

  private Table taggedTable(String arn) {
    Table table = find(parseTableArn(arn));
    Table.Phase phase = table == null ? Table.Phase.GONE : table.phase(clock.instant());
    if (phase == Table.Phase.GONE || phase == Table.Phase.INVISIBLE) {
      throw AwsErrorType.RESOURCE_NOT_FOUND.exception(
          "Requested resource not found: ResourceArn: " + arn + " not found");
    }
    return table;
  }

  private static AwsErrorException tooManyTags() {
    return Validation.invalid(
        "One or more parameter values were invalid: The number of tags exceeds the limit of "
            + MAX_TAGS);
  }

  // --- continuous backups ------------------------------------------------------------------

  private ObjectNode updateContinuousBackups(Scope scope, RequestBody body) {
    String tableName = body.string("TableName");
    RequestBody specification = body.structure("PointInTimeRecoverySpecification");
    Boolean enabled =
        specification == null ? null : specification.bool("PointInTimeRecoveryEnabled");
    Integer period = specification == null ? null : specification.integer("RecoveryPeriodInDays");
    Validation validation =
        new Validation()
            .required(tableName, "tableName")
            .tableNameOrArn(tableName, "tableName")
            .required(specification, "pointInTimeRecoverySpecification");
    if (specification != null) {
      validation
          .required(enabled, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled")
          .range(period, "pointInTimeRecoverySpecification.recoveryPeriodInDays", 1, 35);
    }
    validation.throwIfInvalid();
    if (!enabled && period != null) {
      throw Validation.periodWithDisable();
    }

    TableRef ref = resolve(scope, tableName);
    Table table = find(ref);
    Instant now = clock.instant();
    if (table == null) {
      throw tableNotFound(tableName);
    }
    synchronized (table) {
      switch (table.phase(now)) {
        case INVISIBLE, DELETING, GONE -> throw tableNotFound(tableName);
        case CREATING, BACKUPS_PENDING -> throw backupsBeingEnabled(ref.name());
        default -> {
          if (faults.backupsUnavailable(ref.scope(), ref.name(), now)) {
            throw backupsBeingEnabled(ref.name());
          }
        }
      }
      Table.PitrState state =
          table.updatePitr(enabled, period, settings.enableWithoutPeriod(), now);
      return continuousBackupsResponse(
          true, state, faults.reportedPitrStatus(ref.scope(), ref.name(), now));
    }
  }

  private ObjectNode describeContinuousBackups(Scope scope, RequestBody body) {
    String tableName = body.string("TableName");
    new Validation()
        .required(tableName, "tableName")
        .tableNameOrArn(tableName, "tableName")
        .throwIfInvalid();
    TableRef ref = resolve(scope, tableName);
    Table table = find(ref);
    Instant now = clock.instant();
    Table.Phase phase = table == null ? Table.Phase.GONE : table.phase(now);
    return switch (phase) {
      case INVISIBLE, DELETING, GONE -> throw tableNotFound(tableName);
      case CREATING, BACKUPS_PENDING ->
          continuousBackupsResponse(false, Table.PitrState.DISABLED, Optional.empty());
      default ->
          continuousBackupsResponse(
              true, table.pitrState(now), faults.reportedPitrStatus(ref.scope(), ref.name(), now));
    };
  }

  private static AwsErrorException tableNotFound(String tableNameAsSent) {
    return AwsErrorType.TABLE_NOT_FOUND.exception("Table not found: " + tableNameAsSent);
  }

  private static AwsErrorException backupsBeingEnabled(String tableName) {
    return AwsErrorType.CONTINUOUS_BACKUPS_UNAVAILABLE.exception(
        "Backups are being enabled for the table: " + tableName + ". Please retry later");
  }

  /** The description; {@code reported}: a status a fault reports instead of the table's own. */
  private static ObjectNode continuousBackupsResponse(
      boolean backupsEnabled, Table.PitrState state, Optional<String> reported) {
    ObjectNode response = JSON.objectNode();
    ObjectNode description = response.putObject("ContinuousBackupsDescription");
    description.put("ContinuousBackupsStatus", backupsEnabled ? "ENABLED" : "DISABLED");
    ObjectNode pitr = description.putObject("PointInTimeRecoveryDescription");
    if (reported.isPresent()) {
      pitr.put("PointInTimeRecoveryStatus", reported.get());
      return response;
    }
    pitr.put("PointInTimeRecoveryStatus", state.enabled() ? "ENABLED" : "DISABLED");
    if (state.enabled()) {
      pitr.put("RecoveryPeriodInDays", state.recoveryPeriodDays());
      pitr.put("EarliestRestorableDateTime", epochSeconds(state.earliestRestorable()));
      pitr.put("LatestRestorableDateTime", epochSeconds(state.latestRestorable()));
    }
    return response;
  }

  /**
   * Seeds a table's point-in-time recovery as on since {@code since}; see {@link Table#seedPitr}.
   */
  void seedPitr(Scope scope, String tableName, int periodDays, Instant since) {
    Table table = find(new TableRef(scope, tableName));
    if (table == null) {
      throw new IllegalArgumentException("No table " + tableName + " in " + scope);
    }
    table.seedPitr(periodDays, since);
  }

  // --- lookups and descriptions -------------------------------------------------------------

  /** A table named in a request: the scope it lives in and its plain name. */
  private record TableRef(Scope scope, String name) {}

  private TableRef tableRef(Scope scope, RequestBody body) {
    String tableName = body.string("TableName");
    new Validation()
        .required(tableName, "tableName")
        .tableNameOrArn(tableName, "tableName")
        .throwIfInvalid();
    return resolve(scope, tableName);
  }

  /** A name, or an ARN naming a table of any account and region (spec 3.3.7). */
  private static TableRef resolve(Scope scope, String nameOrArn) {
    if (!nameOrArn.startsWith("arn:")) {
      return new TableRef(scope, nameOrArn);
    }
    return parseTableArn(nameOrArn);
  }

  /** {@code arn:<partition>:dynamodb:<region>:<account>:table/<name>}, or a ValidationException. */
  private static TableRef parseTableArn(String arn) {
    Matcher matcher = TABLE_ARN.matcher(arn);
    if (!matcher.matches()) {
      throw Validation.invalid("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
    }
    return new TableRef(new Scope(matcher.group(2), matcher.group(1)), matcher.group(3));
  }

  /** The current incarnation of a table, or null; drops incarnations whose deletion finished. */
  private Table find(TableRef ref) {
    ConcurrentMap<String, Table> regionTables = tables.get(ref.scope());
    if (regionTables == null) {
      return null;
    }
    Table table = regionTables.get(ref.name());
    if (table != null && table.phase(clock.instant()) == Table.Phase.GONE) {
      regionTables.remove(ref.name(), table);
      return null;
    }
    return table;
  }

  private ConcurrentMap<String, Table> regionTables(Scope scope) {
    return tables.computeIfAbsent(scope, key -> new ConcurrentHashMap<>());
  }

  private static AwsErrorException resourceNotFound(String tableName) {
    return AwsErrorType.RESOURCE_NOT_FOUND.exception(
        "Requested resource not found: Table: " + tableName + " not found");
  }

  private static String tableStatus(Table.Phase phase) {
    return switch (phase) {
      case INVISIBLE, CREATING -> "CREATING";
      case BACKUPS_PENDING, ACTIVE -> "ACTIVE";
      case DELETING_PITR_VISIBLE, DELETING, GONE -> "DELETING";
    };
  }

  private static ObjectNode tableDescriptionResponse(Table table, String status) {
    ObjectNode response = JSON.objectNode();
    response.set("TableDescription", tableDescription(table, status));
    return response;
  }

  private static ObjectNode tableDescription(Table table, String status) {
    ObjectNode description = JSON.objectNode();
    description.set("AttributeDefinitions", table.attributeDefinitions);
    description.put("TableName", table.name);
    description.set("KeySchema", table.keySchema);
    description.put("TableStatus", status);
    description.put("CreationDateTime", epochSeconds(table.createdAt));
    description
        .putObject("ProvisionedThroughput")
        .put("NumberOfDecreasesToday", 0)
        .put("ReadCapacityUnits", table.readCapacityUnits)
        .put("WriteCapacityUnits", table.writeCapacityUnits);
    description.put("TableSizeBytes", 0);
    description.put("ItemCount", 0);
    description.put("TableArn", table.arn);
    description.put("TableId", table.tableId);
    if ("PAY_PER_REQUEST".equals(table.billingMode)) {
      description
          .putObject("BillingModeSummary")
          .put("BillingMode", "PAY_PER_REQUEST")
          .put("LastUpdateToPayPerRequestDateTime", epochSeconds(table.createdAt));
    }
    description.put("DeletionProtectionEnabled", table.deletionProtectionEnabled);
    return description;
  }

  /** awsJson1_0 timestamps: epoch seconds as a JSON number (spec 2.2). */
  private static double epochSeconds(Instant instant) {
    return instant.toEpochMilli() / 1000.0;
  }
}
