package io.pitr.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The bytes on the wire for STS: the query protocol's form in, XML out, beside DynamoDB on one
 * port, and how a request is told to be STS's.
 */
class StsWireProtocolTest {

  private static final String NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
  private static final String FORM = "application/x-www-form-urlencoded; charset=utf-8";

  private final HttpClient http = HttpClient.newHttpClient();
  private DynamoDbEmulator emulator;

  @BeforeEach
  void start() {
    emulator = DynamoDbEmulator.start(EmulatorSettings.defaults());
  }

  @AfterEach
  void stop() {
    emulator.close();
  }

  @Test
  void answersInXmlWithTheRequestIdInBodyAndHeader() throws Exception {
    HttpResponse<byte[]> response =
        post(Map.of("Content-Type", FORM), "Action=GetCallerIdentity&Version=2011-06-15");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/xml");
    assertThat(response.headers().firstValue("x-amz-crc32")).as("DynamoDB's alone").isEmpty();
    String requestId = response.headers().firstValue("x-amzn-RequestId").orElseThrow();
    assertThat(requestId).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    Element root = xml(response).getDocumentElement();
    assertThat(root.getLocalName()).isEqualTo("GetCallerIdentityResponse");
    assertThat(root.getNamespaceURI()).isEqualTo(NAMESPACE);
    assertThat(text(root, "GetCallerIdentityResult", "Account"))
        .isEqualTo(EmulatorSettings.DEFAULT_ACCOUNT_ID);
    assertThat(text(root, "GetCallerIdentityResult", "Arn"))
        .isEqualTo("arn:aws:iam::000000000000:root");
    assertThat(text(root, "ResponseMetadata", "RequestId")).isEqualTo(requestId);
  }

  @Test
  void aRequestSignedForStsIsStsWhateverItsContentType() throws Exception {
    HttpResponse<byte[]> response =
        post(
            Map.of(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=111111111111/20261125/eu-west-1/sts/aws4_request,"
                    + " SignedHeaders=host;x-amz-date, Signature=abc",
                "Content-Type",
                "application/octet-stream"),
            "Action=GetCallerIdentity&Version=2011-06-15");

    assertThat(text(xml(response).getDocumentElement(), "GetCallerIdentityResult", "Account"))
        .isEqualTo("111111111111");
    assertThat(emulator.observations().requests())
        .singleElement()
        .returns("GetCallerIdentity", Observations.RequestRecord::operation)
        .returns("eu-west-1", Observations.RequestRecord::region)
        .returns("111111111111", Observations.RequestRecord::accessKeyId);
  }

  @Test
  void anUnsignedBodyWithAnActionIsStsWithoutAContentType() throws Exception {
    HttpResponse<byte[]> response = post(Map.of(), "Version=2011-06-15&Action=GetCallerIdentity");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(emulator.observations().calls(Operation.GET_CALLER_IDENTITY)).isEqualTo(1);
  }

  @Test
  void errorsHaveStsShapeAndEscapedText() throws Exception {
    String roleArn = "arn:aws:iam::222222222222:role/a<b>&\"c'";
    HttpResponse<byte[]> response =
        post(
            Map.of("Content-Type", FORM),
            "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s1&RoleArn="
                + URLEncoder.encode(roleArn, StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/xml");
    Element root = xml(response).getDocumentElement();
    assertThat(root.getLocalName()).isEqualTo("ErrorResponse");
    assertThat(root.getNamespaceURI()).isEqualTo(NAMESPACE);
    assertThat(text(root, "Error", "Type")).isEqualTo("Sender");
    assertThat(text(root, "Error", "Code")).isEqualTo("AccessDenied");
    assertThat(text(root, "Error", "Message"))
        .isEqualTo(
            "User: arn:aws:iam::000000000000:root is not authorized to perform: sts:AssumeRole on"
                + " resource: "
                + roleArn);
    assertThat(text(root, "RequestId"))
        .isEqualTo(response.headers().firstValue("x-amzn-RequestId").orElseThrow());
  }

  @Test
  void anActionItDoesNotAnswerIsInvalidAction() throws Exception {
    HttpResponse<byte[]> response =
        post(Map.of("Content-Type", FORM), "Action=GetSessionToken&Version=2011-06-15");

    assertThat(response.statusCode()).isEqualTo(400);
    Element root = xml(response).getDocumentElement();
    assertThat(text(root, "Error", "Code")).isEqualTo("InvalidAction");
    assertThat(text(root, "Error", "Message"))
        .isEqualTo("Could not find operation GetSessionToken for version 2011-06-15");
    assertThat(emulator.observations().callCounts())
        .containsEntry(Observations.UNKNOWN_OPERATION, 1L);
    assertThat(emulator.observations().requests())
        .singleElement()
        .returns("GetSessionToken", Observations.RequestRecord::operation)
        .returns("InvalidAction", Observations.RequestRecord::errorCode);
  }

  @Test
  void strictModeRejectsUnsignedStsRequests() throws Exception {
    try (var strict =
        DynamoDbEmulator.start(EmulatorSettings.builder().requireAuthentication(true).build())) {
      HttpResponse<byte[]> response =
          http.send(
              request(strict.endpoint(), Map.of("Content-Type", FORM), "Action=GetCallerIdentity"),
              HttpResponse.BodyHandlers.ofByteArray());

      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(text(xml(response).getDocumentElement(), "Error", "Code"))
          .isEqualTo("MissingAuthenticationToken");
    }
  }

  private HttpResponse<byte[]> post(Map<String, String> headers, String body) throws Exception {
    return http.send(
        request(emulator.endpoint(), headers, body), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpRequest request(URI endpoint, Map<String, String> headers, String body) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(endpoint).POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(builder::header);
    return builder.build();
  }

  private static Document xml(HttpResponse<byte[]> response) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(response.body()));
  }

  /** The text of the element found by following child element names from {@code parent}. */
  private static String text(Element parent, String... path) {
    Element element = parent;
    for (String name : path) {
      element = (Element) element.getElementsByTagNameNS(NAMESPACE, name).item(0);
      assertThat(element).as("element " + name).isNotNull();
    }
    return element.getTextContent();
  }
}
