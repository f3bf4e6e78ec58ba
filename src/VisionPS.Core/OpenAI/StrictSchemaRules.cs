using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// What the service's strict Structured Outputs refuse in a JSON schema (VisionPS sends -JsonSchema as strict): a
    /// root that is not an object, an object without additionalProperties false or with a property missing from
    /// required, a keyword strict mode does not take, nesting over 10 levels. Checked before sending, so a schema the
    /// service would refuse costs nothing.
    /// </summary>
    public static class StrictSchemaRules
    {
        // The "not yet supported" list of OpenAI's Structured Outputs guide, and only it: a wrong refusal leaves the user no
        // way to send the schema (strict is always sent), a missed one costs a free 400. patternProperties is listed
        // only for fine-tuned models, so it is left to the service. oneOf is not refused: a 2024 forum thread says
        // strict mode refuses it, but the guide does not list it, and a 400 from the service says so in its own words.
        private static readonly string[] s_notPermitted =
        {
            "allOf", "not", "dependentRequired", "dependentSchemas", "if", "then", "else",
        };

        /// <summary>The first thing strict mode refuses in <paramref name="schemaJson"/>, in words; null when it takes it.</summary>
        public static string? Problem(string schemaJson)
        {
            using JsonDocument doc = JsonDocument.Parse(schemaJson);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return "the schema must be a JSON object.";
            }
            if (TypeOf(root) != "object" || root.TryGetProperty("anyOf", out _))
            {
                return $"its root must be an object schema (type = 'object'), not {(TypeOf(root) is string t ? $"type = '{t}'" : "a schema without a type")}" +
                    (root.TryGetProperty("anyOf", out _) ? " nor anyOf" : string.Empty) + "; wrap other answers in a property of an object.";
            }
            return Walk(root, "the root", 0);
        }

        private static string? TypeOf(JsonElement schema)
        {
            if (!schema.TryGetProperty("type", out JsonElement type))
            {
                return null;
            }
            if (type.ValueKind == JsonValueKind.String)
            {
                return type.GetString();
            }
            return type.ValueKind == JsonValueKind.Array
                ? type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()).FirstOrDefault(t => t != "null")
                : null;
        }

        // depth: the object levels around this schema (the root is 0). Only objects count, however they are reached (a
        // property, items, anyOf): an array of objects or anyOf [object, null] is one level, as type ['object', 'null'] is.
        private static string? Walk(JsonElement schema, string where, int depth)
        {
            if (schema.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            bool hasProperties = schema.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object;
            bool isObject = TypeOf(schema) == "object" || hasProperties;
            if (isObject && depth > 10)
            {
                return $"{where} is nested more than 10 levels deep, more than strict mode takes.";
            }
            foreach (string keyword in s_notPermitted)
            {
                if (schema.TryGetProperty(keyword, out _))
                {
                    return $"{where} uses '{keyword}', which strict mode does not permit.";
                }
            }
            int inside = isObject ? depth + 1 : depth;
            if (isObject)
            {
                if (!schema.TryGetProperty("additionalProperties", out JsonElement additional) || additional.ValueKind != JsonValueKind.False)
                {
                    return $"{where} must say additionalProperties = $false (strict mode requires it of every object).";
                }
                var required = new HashSet<string>(schema.TryGetProperty("required", out JsonElement req) && req.ValueKind == JsonValueKind.Array
                    ? req.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!)
                    : Enumerable.Empty<string>());
                if (hasProperties)
                {
                    string[] missing = properties.EnumerateObject().Select(p => p.Name).Where(n => !required.Contains(n)).ToArray();
                    if (missing.Length > 0)
                    {
                        return $"{where} must list every property in required (strict mode requires it; make a property optional with type = 'string', 'null'): missing {string.Join(", ", missing.Select(m => $"'{m}'"))}.";
                    }
                    foreach (JsonProperty p in properties.EnumerateObject())
                    {
                        if (Walk(p.Value, $"property '{p.Name}'{(depth == 0 ? string.Empty : $" (in {where})")}", inside) is string problem)
                        {
                            return problem;
                        }
                    }
                }
            }
            if (schema.TryGetProperty("items", out JsonElement items) && Walk(items, $"the items of {where}", inside) is string itemProblem)
            {
                return itemProblem;
            }
            foreach (string group in new[] { "anyOf", "$defs", "definitions" })
            {
                if (!schema.TryGetProperty(group, out JsonElement children))
                {
                    continue;
                }
                IEnumerable<(string, JsonElement)> each = children.ValueKind switch
                {
                    JsonValueKind.Array => children.EnumerateArray().Select((c, i) => ($"{group}[{i}]", c)),
                    JsonValueKind.Object => children.EnumerateObject().Select(c => ($"{group}.{c.Name}", c.Value)),
                    _ => Enumerable.Empty<(string, JsonElement)>(),
                };
                foreach ((string name, JsonElement child) in each)
                {
                    if (Walk(child, $"{name} of {where}", group == "anyOf" ? inside : depth) is string problem)
                    {
                        return problem;
                    }
                }
            }
            return null;
        }
    }
}
