using System;
using System.Text.Json.Nodes;

namespace VisionPS.TestServer
{
    /// <summary>An error answered in the real service's shape: {"error":{"message","type","param","code"}}.</summary>
    public sealed class ApiError : Exception
    {
        public ApiError(int status, string message, string type = "invalid_request_error", string? param = null, string? code = null)
            : base(message)
        {
            Status = status;
            Type = type;
            Param = param;
            Code = code;
        }

        public int Status { get; }

        public string Type { get; }

        public string? Param { get; }

        public string? Code { get; }

        public JsonObject ToJson() => new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = Message,
                ["type"] = Type,
                ["param"] = Param,
                ["code"] = Code,
            },
        };

        public static ApiError Invalid(string param, string message, string code = "invalid_value") => new ApiError(400, message, param: param, code: code);

        public static ApiError MissingParam(string param) => new ApiError(400, $"Missing required parameter: '{param}'.", param: param, code: "missing_required_parameter");

        public static ApiError WrongType(string param, string expected, string got)
            => new ApiError(400, $"Invalid type for '{param}': expected {expected}, but got {got} instead.", param: param, code: "invalid_type");

        public static ApiError NotFound(string what, string id) => new ApiError(404, $"No such {what}: {id}", param: "id", code: null);
    }
}
