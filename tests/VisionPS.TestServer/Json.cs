using System.Text.Json;
using System.Text.Json.Nodes;

namespace VisionPS.TestServer
{
    /// <summary>Small typed reads of request JSON that fail the way the service does.</summary>
    internal static class Json
    {
        internal static string Kind(JsonNode? node) => node switch
        {
            null => "null",
            JsonObject => "an object",
            JsonArray => "an array",
            JsonValue v when v.GetValueKind() == JsonValueKind.String => "a string",
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => "a number",
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "an unknown value",
        };

        internal static string? OptString(JsonObject obj, string name, string param)
        {
            JsonNode? node = obj[name];
            if (node is null)
            {
                return null;
            }
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                return v.GetValue<string>();
            }
            throw ApiError.WrongType(param, "a string", Kind(node));
        }

        internal static string ReqString(JsonObject obj, string name, string param)
            => OptString(obj, name, param) ?? throw ApiError.MissingParam(param);

        internal static double? OptNumber(JsonObject obj, string name, string param)
        {
            JsonNode? node = obj[name];
            if (node is null)
            {
                return null;
            }
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
            {
                return v.GetValue<double>();
            }
            throw ApiError.WrongType(param, "a number", Kind(node));
        }

        internal static long? OptInteger(JsonObject obj, string name, string param)
        {
            double? d = OptNumber(obj, name, param);
            if (d is double value && value != System.Math.Floor(value))
            {
                throw ApiError.WrongType(param, "an integer", "a decimal number");
            }
            return d is null ? null : (long)d.Value;
        }

        internal static bool? OptBool(JsonObject obj, string name, string param)
        {
            JsonNode? node = obj[name];
            if (node is null)
            {
                return null;
            }
            if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
            {
                return v.GetValue<bool>();
            }
            throw ApiError.WrongType(param, "a boolean", Kind(node));
        }

        internal static JsonObject ParseBody(byte[] body)
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(body);
            }
            catch (JsonException ex)
            {
                throw new ApiError(400, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.) " + ex.Message, code: null);
            }
            return node as JsonObject ?? throw new ApiError(400, "The request body must be a JSON object.", code: null);
        }
    }
}
