package io.pitr.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed access to a request's JSON members. A member of the wrong JSON type is a
 * SerializationException, as on live DynamoDB; absent and null members read as null, leaving
 * "required" to {@link Validation}. Unknown members are ignored, since newer clients send them.
 */
final class RequestBody {

  private final ObjectNode json;

  RequestBody(ObjectNode json) {
    this.json = json;
  }

  String string(String member) {
    JsonNode value = present(member);
    if (value == null) {
      return null;
    }
    if (!value.isTextual()) {
      throw wrongType(value, "String");
    }
    return value.textValue();
  }

  Integer integer(String member) {
    JsonNode value = present(member);
    if (value == null) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw wrongType(value, "Integer");
    }
    return value.intValue();
  }

  Long longInteger(String member) {
    JsonNode value = present(member);
    if (value == null) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw wrongType(value, "Long");
    }
    return value.longValue();
  }

  Boolean bool(String member) {
    JsonNode value = present(member);
    if (value == null) {
      return null;
    }
    if (!value.isBoolean()) {
      throw wrongType(value, "Boolean");
    }
    return value.booleanValue();
  }

  RequestBody structure(String member) {
    JsonNode value = present(member);
    if (value == null) {
      return null;
    }
    if (!value.isObject()) {
      throw wrongType(value, "Structure");
    }
    return new RequestBody((ObjectNode) value);
  }

  /** A list member whose elements are structures. */
  List<RequestBody> structures(String member) {
    ArrayNode list = list(member);
    if (list == null) {
      return null;
    }
    List<RequestBody> elements = new ArrayList<>(list.size());
    for (JsonNode element : list) {
      if (!element.isObject()) {
        throw wrongType(element, "Structure");
      }
      elements.add(new RequestBody((ObjectNode) element));
    }
    return elements;
  }

  /** A list member whose elements are strings. */
  List<String> strings(String member) {
    ArrayNode list = list(member);
    if (list == null) {
      return null;
    }
    List<String> elements = new ArrayList<>(list.size());
    for (JsonNode element : list) {
      if (!element.isTextual()) {
        throw wrongType(element, "String");
      }
      elements.add(element.textValue());
    }
    return elements;
  }

  /** The member as sent, for echoing structures back in responses. */
  JsonNode raw(String member) {
    return present(member);
  }

  private ArrayNode list(String member) {
    JsonNode value = present(member);
    if (value == null) {
      return null;
    }
    if (!value.isArray()) {
      throw wrongType(value, "List");
    }
    return (ArrayNode) value;
  }

  private JsonNode present(String member) {
    JsonNode value = json.get(member);
    return value == null || value.isNull() ? null : value;
  }

  /** Coral's texts for a value of the wrong JSON type (dynalite's copies of them). */
  private static AwsErrorException wrongType(JsonNode value, String expected) {
    String message;
    if (value.isObject()) {
      message = "Start of structure or map found where not expected.";
    } else if (value.isArray()) {
      message = "Start of list found where not expected";
    } else if (expected.equals("Structure") || expected.equals("List")) {
      message = "Unexpected field type";
    } else if (value.isTextual()) {
      message = "class java.lang.String can not be converted to an " + expected;
    } else if (value.isBoolean()) {
      message = "class java.lang.Boolean can not be converted to an " + expected;
    } else if (value.isIntegralNumber() && !expected.equals("String")) {
      message = "Numeric value (" + value.asText() + ") out of range of " + expected;
    } else {
      message = "NUMBER_VALUE cannot be converted to " + expected;
    }
    return AwsErrorType.SERIALIZATION.exception(message);
  }
}
