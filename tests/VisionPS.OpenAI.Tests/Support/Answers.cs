using System.Text.Json;
using VisionPS.Core.OpenAI;

namespace VisionPS.OpenAI.Tests.Support
{
    /// <summary>Reads the endpoint's deterministic answer (JSON describing what arrived).</summary>
    public static class Answers
    {
        public static JsonElement Parse(ChatResult result) => JsonDocument.Parse(result.Text).RootElement.Clone();

        public static JsonElement Image(ChatResult result, int index) => Parse(result).GetProperty("images")[index];
    }
}
