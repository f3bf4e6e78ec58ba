using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace VisionPS.TestServer
{
    /// <summary>
    /// The endpoint's deterministic answer: a JSON text that proves what arrived (per image: format, size, SHA-256 of
    /// the decoded bytes, detail and image tokens), with usage numbers computed the same way every time.
    /// </summary>
    public sealed class Answer
    {
        public Answer(string api, string model, string? system, IReadOnlyList<string> texts, IReadOnlyList<ReceivedImage> images, long? maxTokens, IReadOnlyList<ReceivedFile>? files = null, JsonObject? schema = null)
        {
            var body = new JsonObject
            {
                ["api"] = api,
                ["model"] = model,
                ["system"] = system,
                ["prompt"] = string.Join("\n", texts),
                ["image_count"] = images.Count,
                ["images"] = new JsonArray(images.Select((image, i) => (JsonNode)image.ToJson(i + 1)).ToArray()),
            };
            if (files is { Count: > 0 })
            {
                // Only requests with PDFs carry these, so every image-only answer stays byte for byte what it was.
                body["file_count"] = files.Count;
                body["files"] = new JsonArray(files.Select((file, i) => (JsonNode)file.ToJson(i + 1)).ToArray());
            }
            // With a json_schema format the answer is JSON that matches it, filled from the fields above where names match.
            string full = schema is null ? body.ToJsonString(Http.Options) : (StrictSchema.Conform(schema, body, schema)?.ToJsonString(Http.Options) ?? "null");
            ImageTokensTotal = images.Sum(i => i.Tokens);
            // A PDF page costs its text and an image of the page; the endpoint charges a flat 1,000 tokens a page.
            FileTokensTotal = files?.Sum(f => f.Pages * 1000) ?? 0;
            PromptTokens = ImageTokens.Text(system) + texts.Sum(ImageTokens.Text) + ImageTokensTotal + FileTokensTotal + 3 + (system is null ? 0 : 3);
            int completion = ImageTokens.Text(full);
            if (maxTokens is long max && completion > max)
            {
                Text = full.Substring(0, (int)max * 4);
                FinishReason = "length";
                CompletionTokens = (int)max;
            }
            else
            {
                Text = full;
                FinishReason = "stop";
                CompletionTokens = completion;
            }
        }

        public string Text { get; }
        public string FinishReason { get; }
        public int PromptTokens { get; }
        public int CompletionTokens { get; }
        public int ImageTokensTotal { get; }
        public int FileTokensTotal { get; }
        public int TotalTokens => PromptTokens + CompletionTokens;
    }
}
