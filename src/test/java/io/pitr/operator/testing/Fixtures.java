package io.pitr.operator.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Reads YAML fixtures (src/test/resources) and the project's own example files. */
public final class Fixtures {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Fixtures() {}

  /** The fixture as the typed model. */
  public static <T> T load(String path, Class<T> type) {
    try (InputStream in = open(path)) {
      return SERIALIZATION.unmarshal(in, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A YAML file of the project outside the test resources (an example, a manifest). */
  public static <T> T load(Path file, Class<T> type) {
    try (InputStream in = Files.newInputStream(file)) {
      return SERIALIZATION.unmarshal(in, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The YAML files directly in a folder of the project, in name order. */
  public static List<Path> yamlFilesIn(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(file -> file.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fixture exactly as written, unknown fields included, for sending to the API server. */
  public static GenericKubernetesResource loadRaw(String path) {
    return load(path, GenericKubernetesResource.class);
  }

  private static InputStream open(String path) {
    InputStream in = Fixtures.class.getClassLoader().getResourceAsStream(path);
    if (in == null) {
      throw new IllegalArgumentException("No test fixture at src/test/resources/" + path);
    }
    return in;
  }
}
