using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace VisionPS.TestServer
{
    /// <summary>
    /// The Structured Outputs rules the real service enforces on a strict json_schema (chat response_format, Responses
    /// text.format), with its error text ("Invalid schema for response_format 'NAME': In context=(...), ..."), and the
    /// answer made to match the schema.
    /// </summary>
    internal static class StrictSchema
    {
        /// <summary>Keywords strict mode refuses: the "not yet supported" list of OpenAI's Structured Outputs guide.</summary>
        private static readonly string[] s_notPermitted =
        {
            "allOf", "not", "dependentRequired", "dependentSchemas", "if", "then", "else",
        };

        /// <summary>What the service says about <paramref name="schema"/>, or null when strict mode takes it.</summary>
        public static string? Problem(JsonObject schema)
        {
            string? type = TypeOf(schema);
            if (type != "object" || schema["anyOf"] is not null)
            {
                return $"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{type ?? "None"}\"'.";
            }
            return Walk(schema, new List<string>(), 0);
        }

        private static string? TypeOf(JsonObject schema) => schema["type"] switch
        {
            JsonValue v when v.TryGetValue(out string? t) => t,
            JsonArray a => a.OfType<JsonValue>().Select(x => x.TryGetValue(out string? t) ? t : null).FirstOrDefault(t => t is not null && t != "null"),
            _ => null,
        };

        private static string Context(List<string> path) => "(" + string.Join(", ", path.Select(p => $"'{p}'")) + (path.Count == 1 ? "," : string.Empty) + ")";

        // depth: the object levels around this schema; only objects count (an array of objects, anyOf [object, null]: one).
        private static string? Walk(JsonObject schema, List<string> path, int depth)
        {
            bool isObject = TypeOf(schema) == "object" || schema["properties"] is JsonObject;
            int inside = isObject ? depth + 1 : depth;
            if (isObject && depth > 10)
            {
                return $"In context={Context(path)}, schema is nested too deeply: at most 10 levels of nesting are permitted.";
            }
            foreach (string keyword in s_notPermitted)
            {
                if (schema.ContainsKey(keyword))
                {
                    return $"In context={Context(path)}, '{keyword}' is not permitted.";
                }
            }
            if (isObject)
            {
                JsonObject properties = schema["properties"] as JsonObject ?? new JsonObject();
                if (schema["additionalProperties"] is not JsonValue ap || !ap.TryGetValue(out bool allowed) || allowed)
                {
                    return $"In context={Context(path)}, 'additionalProperties' is required to be supplied and to be false.";
                }
                var required = (schema["required"] as JsonArray)?.OfType<JsonValue>().Select(v => v.TryGetValue(out string? s) ? s : null).ToHashSet() ?? new HashSet<string?>();
                string? missing = properties.Select(p => p.Key).FirstOrDefault(k => !required.Contains(k));
                if ((schema["required"] is not JsonArray && properties.Count > 0) || missing is not null)
                {
                    return $"In context={Context(path)}, 'required' is required to be supplied and to be an array including every key in properties." + (missing is null ? string.Empty : $" Missing '{missing}'.");
                }
                foreach (KeyValuePair<string, JsonNode?> p in properties)
                {
                    if (p.Value is JsonObject child && Walk(child, path.Append("properties").Append(p.Key).ToList(), inside) is string problem)
                    {
                        return problem;
                    }
                }
            }
            if (schema["items"] is JsonObject items && Walk(items, path.Append("items").ToList(), inside) is string itemProblem)
            {
                return itemProblem;
            }
            foreach (string group in new[] { "anyOf", "$defs", "definitions" })
            {
                IEnumerable<(string Key, JsonNode? Node)> children = schema[group] switch
                {
                    JsonArray a => a.Select((n, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), n)),
                    JsonObject o => o.Select(p => (p.Key, p.Value)),
                    _ => Enumerable.Empty<(string, JsonNode?)>(),
                };
                foreach ((string key, JsonNode? node) in children)
                {
                    if (node is JsonObject child && Walk(child, path.Append(group).Append(key).ToList(), group == "anyOf" ? inside : depth) is string problem)
                    {
                        return problem;
                    }
                }
            }
            return null;
        }

        /// <summary>
        /// A value that matches <paramref name="schema"/>, taking what it can from <paramref name="source"/> (the endpoint's
        /// own answer: a property named like one of its fields, of the same type, gets that field's value).
        /// </summary>
        public static JsonNode? Conform(JsonObject schema, JsonNode? source, JsonObject root, int depth = 0)
        {
            if (depth > 32)
            {
                return null;
            }
            if (schema["$ref"] is JsonValue refValue && refValue.TryGetValue(out string? reference))
            {
                JsonNode? target = root;
                foreach (string part in reference.TrimStart('#').Split('/', System.StringSplitOptions.RemoveEmptyEntries))
                {
                    target = target is JsonObject o ? o[part] : null;
                }
                return target is JsonObject resolved ? Conform(resolved, source, root, depth + 1) : null;
            }
            if (schema["const"] is JsonNode constant)
            {
                return constant.DeepClone();
            }
            if (schema["enum"] is JsonArray choices && choices.Count > 0)
            {
                JsonNode? same = choices.FirstOrDefault(c => source is not null && JsonNode.DeepEquals(c, source));
                return (same ?? choices[0])?.DeepClone();
            }
            if (schema["anyOf"] is JsonArray branches && branches.OfType<JsonObject>().FirstOrDefault() is JsonObject first)
            {
                return Conform(first, source, root, depth + 1);
            }
            switch (TypeOf(schema))
            {
                case "object":
                    var result = new JsonObject();
                    foreach (KeyValuePair<string, JsonNode?> p in schema["properties"] as JsonObject ?? new JsonObject())
                    {
                        result[p.Key] = p.Value is JsonObject child ? Conform(child, (source as JsonObject)?[p.Key], root, depth + 1) : null;
                    }
                    return result;
                case "array":
                    var list = new JsonArray();
                    if (source is JsonArray given && schema["items"] is JsonObject itemSchema)
                    {
                        foreach (JsonNode? item in given)
                        {
                            list.Add(Conform(itemSchema, item, root, depth + 1));
                        }
                    }
                    return list;
                case "string":
                    return source is JsonValue s && s.TryGetValue(out string? text) ? text : string.Empty;
                case "integer":
                    return source is JsonValue i && i.GetValueKind() == System.Text.Json.JsonValueKind.Number
                        && long.TryParse(i.ToJsonString(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long whole) ? whole : 0;
                case "number":
                    return source is JsonValue d && d.GetValueKind() == System.Text.Json.JsonValueKind.Number
                        && double.TryParse(d.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double number) ? number : 0;
                case "boolean":
                    return source is JsonValue b && b.TryGetValue(out bool flag) && flag;
                default:
                    return null;
            }
        }
    }
}
