using System;
using System.Collections;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// JSON to PowerShell objects and back, without ConvertFrom-Json/ConvertTo-Json (not in every host, and not
    /// identical between Windows PowerShell 5.1 and PowerShell 7): objects become PSCustomObjects, arrays object[].
    /// </summary>
    internal static class JsonConversion
    {
        public static object? ToPowerShell(string json)
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            return Convert(doc.RootElement);
        }

        private static object? Convert(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    var obj = new PSObject();
                    foreach (JsonProperty p in e.EnumerateObject())
                    {
                        obj.Properties.Add(new PSNoteProperty(p.Name, Convert(p.Value)));
                    }
                    return obj;
                case JsonValueKind.Array:
                    var list = new object?[e.GetArrayLength()];
                    int i = 0;
                    foreach (JsonElement item in e.EnumerateArray())
                    {
                        list[i++] = Convert(item);
                    }
                    return list;
                case JsonValueKind.String:
                    return e.GetString();
                case JsonValueKind.Number:
                    return e.TryGetInt32(out int n) ? n : e.TryGetInt64(out long l) ? l : (object)e.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }

        /// <summary>
        /// The parsed answer of a -JsonSchema request, made to read as its JSON when PowerShell turns it into a
        /// string (Export-Csv, "$x"), instead of "@{...}". Scalars and arrays are returned as they are.
        /// </summary>
        public static object? Printable(object? parsed)
        {
            if (parsed is PSObject pso && pso.Members["ToString"] is not PSCodeMethod)
            {
                pso.Members.Add(new PSCodeMethod("ToString", typeof(JsonText).GetMethod(nameof(JsonText.Of))!));
            }
            return parsed;
        }

        /// <summary>Valid JSON text as one line (the text itself when it does not parse).</summary>
        public static string Compact(string json)
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(json);
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    doc.WriteTo(writer);
                }
                return Encoding.UTF8.GetString(buffer.ToArray());
            }
            catch (JsonException)
            {
                return json;
            }
        }

        /// <summary>
        /// The -JsonSchema a cmdlet was given, named <paramref name="name"/>; a value that is not JSON, not a JSON
        /// object (5, @(1, 2)) or nests too deeply stops the cmdlet with InvalidJsonSchema, saying where the text went
        /// wrong and what to pass instead. A schema strict Structured Outputs refuse stops it too when
        /// <paramref name="enforceStrict"/> (OpenAI, Azure OpenAI); elsewhere it is sent as it is, with a -Verbose note.
        /// </summary>
        public static Core.OpenAI.VisionJsonSchema Schema(PSCmdlet cmdlet, string name, object schema, bool enforceStrict, System.Action<string>? verbose = null)
        {
            try
            {
                string json = FromPowerShell(schema);
                using (JsonDocument parsed = JsonDocument.Parse(json))
                {
                    if (parsed.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        string message = $"-JsonSchema must be a JSON object, not {KindOf(parsed.RootElement.ValueKind)}. {SchemaExample}";
                        cmdlet.ThrowTerminatingError(ErrorIds.Create(new ArgumentException(message), ErrorIds.InvalidJsonSchema, ErrorCategory.InvalidArgument, schema, message));
                    }
                }
                // VisionPS asks for strict Structured Outputs: a schema the service would refuse is refused here, before anything is paid for.
                if (Core.OpenAI.StrictSchemaRules.Problem(json) is string problem)
                {
                    if (!enforceStrict)
                    {
                        // Ollama, LM Studio, vLLM...: they take a loose schema and ignore strict, so it is sent as it was.
                        verbose?.Invoke($"-JsonSchema: OpenAI's strict structured outputs would refuse it ({problem}); sent as it is, since this endpoint is not OpenAI or Azure OpenAI.");
                        return new Core.OpenAI.VisionJsonSchema(name, json);
                    }
                    string message = $"-JsonSchema cannot be used with the service's strict structured outputs: {problem} Nothing was sent.";
                    cmdlet.ThrowTerminatingError(ErrorIds.Create(new ArgumentException(message), ErrorIds.InvalidJsonSchema, ErrorCategory.InvalidArgument, schema, message));
                }
                return new Core.OpenAI.VisionJsonSchema(name, json);
            }
            catch (JsonException ex)
            {
                string where = ex.LineNumber is long line ? $" at line {line + 1}, position {(ex.BytePositionInLine ?? 0) + 1}" : string.Empty;
                string message = $"-JsonSchema is not valid JSON{where}. {SchemaExample}";
                cmdlet.ThrowTerminatingError(ErrorIds.Create(new ArgumentException(message, ex), ErrorIds.InvalidJsonSchema, ErrorCategory.InvalidArgument, schema, message));
                throw; // not reached: ThrowTerminatingError throws
            }
            catch (ArgumentException ex)
            {
                string message = $"-JsonSchema cannot be used: {ex.Message}";
                cmdlet.ThrowTerminatingError(ErrorIds.Create(ex, ErrorIds.InvalidJsonSchema, ErrorCategory.InvalidArgument, schema, message));
                throw;
            }
        }

        private const string SchemaExample = "Pass a hashtable such as @{ type = 'object'; properties = @{ total = @{ type = 'number' } }; required = @('total'); additionalProperties = $false }, or the text of a JSON schema file (Get-Content schema.json -Raw).";

        private static string KindOf(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        };

        /// <summary>JSON text for a string (taken as JSON already), a hashtable/dictionary, list or scalar.</summary>
        public static string FromPowerShell(object? value)
        {
            value = Unwrap(value);
            if (value is string text)
            {
                using (JsonDocument.Parse(text))
                {
                    return text; // already JSON: validated, sent as given
                }
            }
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                Write(writer, value, 0);
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static object? Unwrap(object? value) => value is PSObject pso && pso.BaseObject is not PSCustomObject ? pso.BaseObject : value;

        private static void Write(Utf8JsonWriter w, object? value, int depth)
        {
            if (depth > 64)
            {
                throw new ArgumentException("The JSON schema is nested too deeply (over 64 levels).");
            }
            value = Unwrap(value);
            switch (value)
            {
                case null:
                    w.WriteNullValue();
                    break;
                case string s:
                    w.WriteStringValue(s);
                    break;
                case bool b:
                    w.WriteBooleanValue(b);
                    break;
                case SwitchParameter sw:
                    w.WriteBooleanValue(sw.IsPresent);
                    break;
                case int or long or short or byte or sbyte or ushort or uint or ulong:
                    w.WriteNumberValue(System.Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case float or double or decimal:
                    w.WriteNumberValue(System.Convert.ToDouble(value, CultureInfo.InvariantCulture));
                    break;
                case IDictionary dict:
                    w.WriteStartObject();
                    foreach (DictionaryEntry entry in dict)
                    {
                        w.WritePropertyName(System.Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                        Write(w, entry.Value, depth + 1);
                    }
                    w.WriteEndObject();
                    break;
                case PSObject custom:
                    w.WriteStartObject();
                    foreach (PSPropertyInfo p in custom.Properties)
                    {
                        w.WritePropertyName(p.Name);
                        Write(w, p.Value, depth + 1);
                    }
                    w.WriteEndObject();
                    break;
                case IEnumerable list:
                    w.WriteStartArray();
                    foreach (object? item in list)
                    {
                        Write(w, item, depth + 1);
                    }
                    w.WriteEndArray();
                    break;
                default:
                    w.WriteStringValue(System.Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }

    /// <summary>The ToString of a parsed -JsonSchema answer: its JSON (a PowerShell code method calls this).</summary>
    public static class JsonText
    {
        /// <summary>The object's JSON, on one line.</summary>
        public static string Of(PSObject instance) => JsonConversion.FromPowerShell(instance);
    }
}
