using System;
using System.Collections.Generic;
using VisionPS.Core.OpenAI;


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
            Duration = result.Duration;
            ResponseId = result.ResponseId;
            ConversationId = result.ConversationId;
            Api = result.Api;
            ImageSources = imageSources;
            ImageSha256 = imageSha256;
            EstimatedImageTokens = estimatedImageTokens;
            Object = parsed;
            FromCache = fromCache;
        }

        /// <summary>The answer's text (for -JsonSchema, the JSON text).</summary>
        public string Text { get; }

        /// <summary>The model's refusal to answer, when it refused (Text is then usually empty); null otherwise.</summary>
        public string? Refusal { get; }

        /// <summary>For -JsonSchema: the answer parsed into objects.</summary>
        public object? Object { get; }

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

        /// <summary>The images the question was about (paths or URLs), in request order.</summary>
        public IReadOnlyList<string> ImageSources { get; }

        /// <summary>SHA-256 of each image's bytes as sent (empty string for a URL).</summary>
        public IReadOnlyList<string> ImageSha256 { get; }

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

        /// <summary>The batch that answered (Receive-VisionBatch); null for a live request.</summary>
        public string? BatchId { get; internal set; }

        public override string ToString() => Text;

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
