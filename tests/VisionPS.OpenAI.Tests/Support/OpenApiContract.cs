using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NJsonSchema;
using NJsonSchema.Validation;
using VisionPS.TestServer;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VisionPS.OpenAI.Tests.Support
{
    /// <summary>
    /// Request bodies checked against the official OpenAPI document (shared/openai/openapi.yaml): the operation is
    /// found by method and path in its <c>paths</c>, and the body validated against that operation's request schema.
    /// The YAML is loaded with YamlDotNet (scalars typed by the YAML core schema), component refs are rewritten to
    /// JSON-schema definitions, and NJsonSchema validates.
    /// </summary>
    public static class OpenApiContract
    {
        private static readonly Lazy<JsonObject> s_spec = new Lazy<JsonObject>(LoadSpec);

        public static string SpecPath
        {
            get
            {
                string? dir = AppContext.BaseDirectory;
                while (dir is not null)
                {
                    string candidate = Path.Combine(dir, "shared", "openai", "openapi.yaml");
                    if (File.Exists(candidate))
                    {
                        return candidate;
                    }
                    candidate = Path.Combine(dir, "..", "shared", "openai", "openapi.yaml");
                    if (File.Exists(candidate))
                    {
                        return Path.GetFullPath(candidate);
                    }
                    dir = Path.GetDirectoryName(dir);
                }
                throw new FileNotFoundException("shared/openai/openapi.yaml was not found beside the repository.");
            }
        }

        /// <summary>The request schema's name (or "inline ...") for an operation, e.g. POST /chat/completions.</summary>
        public static string SchemaNameFor(string method, string path) => FindOperation(method, path).Name;

        /// <summary>Validates a captured request against the spec; returns the errors (empty when valid).</summary>
        public static IReadOnlyList<string> Validate(CapturedRequest request)
        {
            // OpenAI's /v1/... and Azure's /openai/deployments/{deployment}/... carry the same bodies.
            Match azure = Regex.Match(request.Path, "^/openai/deployments/[^/]+(/.*)$");
            string path = azure.Success ? azure.Groups[1].Value : request.Path.StartsWith("/v1/", StringComparison.Ordinal) ? request.Path.Substring(3) : request.Path;
            JsonNode body = request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true
                ? MultipartAsJson(request)
                : JsonNode.Parse(request.Body) ?? throw new InvalidDataException("empty body");
            return Validate(request.Method, path, body);
        }

        public static IReadOnlyList<string> Validate(string method, string path, JsonNode body)
        {
            (string name, JsonSchema schema) = FindOperation(method, path);
            // Format "uri" is checked with System.Uri, which caps a URI at 65,519 characters; a data URL's payload is
            // not constrained by the schema, so a shortened (still valid base64) payload keeps the check meaningful.
            JsonNode copy = ShortenDataUrls(body.DeepClone())!;
            ICollection<ValidationError> errors = schema.Validate(copy.ToJsonString());
            return errors.Select(e => $"{name}: {Describe(e)}").ToList();
        }

        /// <summary>
        /// Validates one line of a batch input file. The spec at this commit has no BatchRequestInput schema (the API
        /// reference documents it as custom_id, method POST, url, body), so the envelope is checked here: custom_id a
        /// non-empty string, method POST, url one of CreateBatchRequest.endpoint's values (read from the spec), and
        /// the body is validated against that operation's request schema from the spec.
        /// </summary>
        public static IReadOnlyList<string> ValidateBatchLine(string line)
        {
            var errors = new List<string>();
            if (JsonNode.Parse(line) is not JsonObject input)
            {
                return new[] { "BatchRequestInput: the line is not a JSON object" };
            }
            if (input["custom_id"] is not JsonValue id || id.GetValueKind() != System.Text.Json.JsonValueKind.String || id.GetValue<string>().Length == 0)
            {
                errors.Add("BatchRequestInput: custom_id must be a non-empty string");
            }
            if (input["method"]?.GetValue<string>() != "POST")
            {
                errors.Add("BatchRequestInput: method must be POST");
            }
            string? url = input["url"] is JsonValue u && u.GetValueKind() == System.Text.Json.JsonValueKind.String ? u.GetValue<string>() : null;
            JsonArray endpoints = s_spec.Value["components"]!["schemas"]!["CreateBatchRequest"]!["properties"]!["endpoint"]!["enum"]!.AsArray();
            if (url is null || !endpoints.Any(e => e!.GetValue<string>() == url))
            {
                errors.Add($"BatchRequestInput: url '{url}' is not one of CreateBatchRequest.endpoint's values");
                return errors;
            }
            if (input["body"] is not JsonObject body)
            {
                errors.Add("BatchRequestInput: body must be an object");
                return errors;
            }
            if (input.Count != 4)
            {
                errors.Add("BatchRequestInput: unexpected properties " + string.Join(", ", input.Select(p => p.Key).Except(new[] { "custom_id", "method", "url", "body" })));
            }
            errors.AddRange(Validate("POST", url.Substring("/v1".Length), body));
            return errors;
        }

        private static string Describe(ValidationError e)
        {
            var text = new StringBuilder($"{e.Kind} at {e.Path}");
            if (e is ChildSchemaValidationError child)
            {
                foreach (KeyValuePair<JsonSchema, ICollection<ValidationError>> branch in child.Errors.Take(3))
                {
                    text.Append(" [").Append(string.Join("; ", branch.Value.Take(3).Select(Describe))).Append(']');
                }
            }
            return text.ToString();
        }

        private static (string Name, JsonSchema Schema) FindOperation(string method, string path)
        {
            foreach (KeyValuePair<string, JsonNode?> entry in s_spec.Value["paths"]!.AsObject())
            {
                string pattern = "^" + Regex.Replace(Regex.Escape(entry.Key), @"\\\{[^}]+}", "[^/]+") + "$";
                if (Regex.IsMatch(path, pattern) && entry.Value?[method.ToLowerInvariant()] is JsonObject)
                {
                    string name = RequestSchemaName(method.ToLowerInvariant(), entry.Key, entry.Value[method.ToLowerInvariant()]!.AsObject())
                        ?? throw new InvalidOperationException($"{method} {entry.Key} has no JSON or multipart request body in the spec.");
                    JsonSchema definition = s_root.Value.Definitions.TryGetValue(name, out JsonSchema? d) ? d : throw new InvalidOperationException($"No schema {name}.");
                    return (name, definition);
                }
            }
            throw new InvalidOperationException($"The spec has no operation {method} {path}.");
        }

        /// <summary>The component name of an operation's request schema; an inline schema gets a synthetic one.</summary>
        private static string? RequestSchemaName(string method, string path, JsonObject operation)
        {
            JsonObject? content = operation["requestBody"]?["content"]?.AsObject();
            JsonNode? schema = (content?["application/json"] ?? content?["multipart/form-data"])?["schema"];
            if (schema is null)
            {
                return null;
            }
            return schema["$ref"]?.GetValue<string>().Split('/').Last() ?? $"inline {method} {path}";
        }

        /// <summary>
        /// One compiled document for the whole spec (compiling takes seconds): every component schema, plus each
        /// operation's inline request schema, as JSON-schema definitions.
        /// </summary>
        private static readonly Lazy<JsonSchema> s_root = new Lazy<JsonSchema>(() =>
        {
            var definitions = (JsonObject)RewriteRefs(s_spec.Value["components"]!["schemas"]!.DeepClone())!;
            foreach (KeyValuePair<string, JsonNode?> entry in s_spec.Value["paths"]!.AsObject())
            {
                foreach (KeyValuePair<string, JsonNode?> op in entry.Value!.AsObject())
                {
                    if (op.Value is JsonObject operation && RequestSchemaName(op.Key, entry.Key, operation) is string name && name.StartsWith("inline ", StringComparison.Ordinal))
                    {
                        JsonObject content = operation["requestBody"]!["content"]!.AsObject();
                        definitions[name] = RewriteRefs((content["application/json"] ?? content["multipart/form-data"])!["schema"]!.DeepClone());
                    }
                }
            }
            var root = new JsonObject { ["definitions"] = definitions };
            return JsonSchema.FromJsonAsync(root.ToJsonString()).GetAwaiter().GetResult();
        });

        private static JsonNode? RewriteRefs(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (string key in obj.Select(p => p.Key).ToList())
                    {
                        if (key == "$ref" && obj[key] is JsonValue v && v.GetValue<string>() is string target && target.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                        {
                            obj[key] = "#/definitions/" + target.Substring("#/components/schemas/".Length);
                        }
                        else if (key == "oneOf")
                        {
                            // The spec's unions overlap (EasyInputMessage and InputMessage both describe a user
                            // message) and are told apart by the discriminator, not by exclusivity: as code
                            // generators do, a body is valid when it matches a branch.
                            JsonNode? branches = RewriteRefs(obj[key]);
                            obj.Remove(key);
                            if (obj["anyOf"] is null)
                            {
                                obj["anyOf"] = branches;
                            }
                            else
                            {
                                JsonArray all = obj["allOf"] as JsonArray ?? new JsonArray();
                                all.Add(new JsonObject { ["anyOf"] = branches });
                                obj["allOf"] = all;
                            }
                        }
                        else if (key == "discriminator")
                        {
                            // OpenAPI's discriminator is a hint for code generators; JSON-schema validation needs none.
                            obj.Remove(key);
                        }
                        else
                        {
                            Replace(obj, key, RewriteRefs(obj[key]));
                        }
                    }
                    return obj;
                case JsonArray array:
                    for (int i = 0; i < array.Count; i++)
                    {
                        JsonNode? item = array[i];
                        JsonNode? replaced = RewriteRefs(item);
                        if (!ReferenceEquals(item, replaced))
                        {
                            array[i] = replaced;
                        }
                    }
                    return array;
                default:
                    return node;
            }
        }

        private static void Replace(JsonObject obj, string key, JsonNode? replaced)
        {
            if (!ReferenceEquals(obj[key], replaced))
            {
                obj[key] = replaced;
            }
        }

        private static JsonNode? ShortenDataUrls(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (string key in obj.Select(p => p.Key).ToList())
                    {
                        Replace(obj, key, ShortenDataUrls(obj[key]));
                    }
                    return obj;
                case JsonArray array:
                    for (int i = 0; i < array.Count; i++)
                    {
                        JsonNode? item = array[i];
                        JsonNode? replaced = ShortenDataUrls(item);
                        if (!ReferenceEquals(item, replaced))
                        {
                            array[i] = replaced;
                        }
                    }
                    return array;
                case JsonValue value when value.TryGetValue(out string? s) && s.StartsWith("data:", StringComparison.Ordinal) && s.Length > 4096:
                    int comma = s.IndexOf(',');
                    return JsonValue.Create(s.Substring(0, comma + 1) + s.Substring(comma + 1, 4096));
                default:
                    return node;
            }
        }

        /// <summary>A multipart body as the JSON object the spec describes (files as strings, bracketed names nested).</summary>
        private static JsonObject MultipartAsJson(CapturedRequest request)
        {
            string boundary = request.ContentType!.Split("boundary=")[1].Trim('"');
            string text = Encoding.Latin1.GetString(request.Body);
            var result = new JsonObject();
            foreach (string part in text.Split("--" + boundary).Skip(1))
            {
                if (part.StartsWith("--", StringComparison.Ordinal))
                {
                    break;
                }
                int split = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                string headers = part.Substring(0, split);
                string value = part.Substring(split + 4).TrimEnd('\r', '\n');
                string name = Regex.Match(headers, "name=\"([^\"]+)\"").Groups[1].Value;
                Match nested = Regex.Match(name, @"^(\w+)\[(\w+)\]$");
                JsonNode typed = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && nested.Success ? JsonValue.Create(n) : JsonValue.Create(value);
                if (nested.Success)
                {
                    JsonObject inner = result[nested.Groups[1].Value] as JsonObject ?? new JsonObject();
                    inner[nested.Groups[2].Value] = typed;
                    result[nested.Groups[1].Value] = inner;
                }
                else
                {
                    result[name] = headers.Contains("filename=", StringComparison.Ordinal) ? "(binary)" : typed;
                }
            }
            return result;
        }

        private static JsonObject LoadSpec()
        {
            // One block scalar in the spec (an `example: |+` whose only line is blanks) is ambiguous YAML that
            // YamlDotNet rejects; blank lines carry nothing a schema uses, so they are emptied first.
            string text = Regex.Replace(File.ReadAllText(SpecPath), @"^[ \t]+$", "", RegexOptions.Multiline);
            var yaml = new YamlStream();
            yaml.Load(new StringReader(text));
            return (JsonObject)ToJson(yaml.Documents[0].RootNode)!;
        }

        private static JsonNode? ToJson(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    var obj = new JsonObject();
                    foreach (KeyValuePair<YamlNode, YamlNode> entry in map.Children)
                    {
                        obj[((YamlScalarNode)entry.Key).Value!] = ToJson(entry.Value);
                    }
                    return obj;
                case YamlSequenceNode seq:
                    return new JsonArray(seq.Children.Select(ToJson).ToArray());
                case YamlScalarNode scalar:
                    string? s = scalar.Value;
                    if (scalar.Style != ScalarStyle.Plain || s is null)
                    {
                        return JsonValue.Create(s);
                    }
                    // YAML 1.2 core schema for plain scalars.
                    if (s is "null" or "~" or "")
                    {
                        return null;
                    }
                    if (s is "true" or "false")
                    {
                        return JsonValue.Create(s == "true");
                    }
                    if (Regex.IsMatch(s, @"^-?[0-9]+$") && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l))
                    {
                        return JsonValue.Create(l);
                    }
                    if (Regex.IsMatch(s, @"^-?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$|^-?[0-9]+[eE][-+]?[0-9]+$"))
                    {
                        return JsonValue.Create(double.Parse(s, CultureInfo.InvariantCulture));
                    }
                    return JsonValue.Create(s);
                default:
                    return null;
            }
        }
    }
}
