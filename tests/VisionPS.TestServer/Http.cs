using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace VisionPS.TestServer
{
    internal static class Http
    {
        /// <summary>Like the service: quotes and non-ASCII text stay readable in JSON strings.</summary>
        internal static readonly JsonSerializerOptions Options = new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        internal static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            context.Response.Headers["x-request-id"] = "req_" + context.TraceIdentifier.Replace(":", "");
            await context.Response.WriteAsync(body.ToJsonString(Options), Encoding.UTF8, context.RequestAborted);
        }
    }
}
