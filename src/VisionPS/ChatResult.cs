using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;


namespace VisionPS
{
    /// <summary>The answer of Send-VisionChat: text, usage, timing, and which images it was about.</summary>
    public sealed class ChatResult
    {
        internal ChatResult(ChatAnswer result, IReadOnlyList<string> imageSources, IReadOnlyList<string> imageSha256,
            int estimatedImageTokens, object? parsed, bool fromCache)
        {
            Text = result.Text;
            Refusal = result.Refusal;
            Model = result.Model;
            FinishReason = result.FinishReason;
            PromptTokens = result.PromptTokens;
            CompletionTokens = result.CompletionTokens;
            TotalTokens = result.TotalTokens;
            Duration = fromCache ? TimeSpan.Zero : result.Duration; // the answer kept says how long its request took, long ago
            ResponseId = result.ResponseId;
            ConversationId = result.ConversationId;
            Api = result.Api;
            ImageSources = new StringList(imageSources);
            ImageSha256 = new StringList(imageSha256);
            ImagePath = ImageSources.ToString();
            ImageName = string.Join(StringList.Separator, imageSources.Select(FileName));
            EstimatedImageTokens = estimatedImageTokens;
            Object = JsonConversion.Printable(parsed);
            Json = parsed is null ? null : JsonConversion.Compact(result.Json ?? result.Text);
            FromCache = fromCache;
        }

        /// <summary>The answer's text (for -JsonSchema, the JSON text).</summary>
        public string Text { get; }

        /// <summary>The model's refusal to answer, when it refused (Text is then usually empty); null otherwise.</summary>
        public string? Refusal { get; }

        /// <summary>For -JsonSchema: the answer parsed into objects (reads as its JSON in Export-Csv and strings).</summary>
        public object? Object { get; }

        /// <summary>For -JsonSchema: the answer as one line of JSON (null otherwise).</summary>
        public string? Json { get; }

        /// <summary>The file name of each image (the URL for a URL), joined by "; " when the request had several.</summary>
        public string ImageName { get; }

        /// <summary>The full path of each image (or its URL), joined by "; " when the request had several.</summary>
        public string ImagePath { get; }

        /// <summary>How many images the request carried.</summary>
        public int ImageCount => ImageSources.Count;

        /// <summary>The model that answered.</summary>
        public string? Model { get; }

        /// <summary>Why the answer ended: stop, length, content_filter, ...</summary>
        public string? FinishReason { get; }

        /// <summary>Input tokens, images included, as the service counted them.</summary>
        public int PromptTokens { get; }

        /// <summary>Output tokens.</summary>
        public int CompletionTokens { get; }

        /// <summary>Input plus output tokens.</summary>
        public int TotalTokens { get; }

        /// <summary>VisionPS's estimate of the images' input tokens.</summary>
        public int EstimatedImageTokens { get; }

        /// <summary>The images the question was about (paths or URLs), in request order; reads as "a; b" in Export-Csv.</summary>
        public StringList ImageSources { get; }

        /// <summary>SHA-256 of each image's bytes as sent (empty string for a URL); reads as "a; b" in Export-Csv.</summary>
        public StringList ImageSha256 { get; }

        /// <summary>How long the request took, retries included (zero for a cached answer).</summary>
        public TimeSpan Duration { get; }

        /// <summary>Chat or Responses.</summary>
        public string Api { get; }

        /// <summary>The completion's or response's id.</summary>
        public string? ResponseId { get; }

        /// <summary>The conversation a Responses request continued.</summary>
        public string? ConversationId { get; }

        /// <summary>True when the answer came from the local answer cache and cost no request.</summary>
        public bool FromCache { get; }

        /// <summary>
        /// True when the text was streamed to the console as it arrived (-Stream): the table view does not print it again.
        /// False when it did not reach the console (6>$null, -InformationAction Ignore, redirected): the table view shows it.
        /// </summary>
        public bool Streamed { get; internal set; }

        /// <summary>The batch that answered (Receive-VisionBatch); null for a live request.</summary>
        public string? BatchId { get; internal set; }

        public override string ToString() => Text;

        /// <summary>The file name of a path; a URL or a description (byte[123]) stays as it is.</summary>
        internal static string FileName(string source) =>
            Uri.TryCreate(source, UriKind.Absolute, out Uri? uri) && !uri.IsFile ? source : System.IO.Path.GetFileName(source);

        /// <summary>The result for an answered outcome; with <paramref name="json"/>, the answer parsed into Object (a warning when it is not JSON).</summary>
        internal static ChatResult From(Core.Asking.AskOutcome outcome, bool json, Action<string> warn)
        {
            ChatAnswer answer = outcome.Answer!;
            return new ChatResult(answer, outcome.Sources, outcome.Sha256, outcome.EstimatedTokens, json ? Parse(answer, outcome.Target, warn) : null, outcome.FromCache);
        }

        /// <summary>A structured answer parsed into PowerShell objects; null (and a warning) when it is not valid JSON.</summary>
        internal static object? Parse(ChatAnswer answer, string target, Action<string> warn)
        {
            if (answer.Json is not string text)
            {
                return null;
            }
            try
            {
                return Infrastructure.JsonConversion.ToPowerShell(text);
            }
            catch (System.Text.Json.JsonException ex)
            {
                warn($"The answer for '{target}' is not valid JSON ({ex.Message}); see Text.");
                return null;
            }
        }
    }
}
