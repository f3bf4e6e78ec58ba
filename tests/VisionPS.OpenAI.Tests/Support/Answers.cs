using System.Text.Json;
using VisionPS.Core.OpenAI;

namespace VisionPS.OpenAI.Tests.Support
{
    /// <summary>Reads the endpoint's deterministic answer (JSON describing what arrived).</summary>
    public static class Answers
    {
        public static JsonElement Parse(ChatAnswer result) => JsonDocument.Parse(result.Text).RootElement.Clone();

        public static JsonElement Image(ChatAnswer result, int index) => Parse(result).GetProperty("images")[index];
    }
}
