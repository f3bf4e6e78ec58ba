using System;

namespace VisionPS.Core.OpenAI
{
    /// <summary>The core's answer to a <see cref="VisionRequest"/>, from Chat Completions or Responses (the cmdlets wrap it in the ChatResult they emit).</summary>
    public sealed class ChatAnswer
    {
        /// <summary>The answer's text (for a JSON schema request, the JSON text).</summary>
        public string Text { get; set; } = string.Empty;

        /// <summary>The model's refusal to answer (message.refusal, or a Responses refusal part); null when it answered.</summary>
        public string? Refusal { get; set; }

        /// <summary>The raw JSON text when a JSON schema was requested; null otherwise.</summary>
        public string? Json { get; set; }

        /// <summary>The model that answered, as the service reports it.</summary>
        public string? Model { get; set; }

        /// <summary>
        /// Why the answer ended: stop, length, content_filter, ...; <see cref="Incomplete"/> for a stream that ended
        /// without saying why (the text may be cut short).
        /// </summary>
        public string? FinishReason { get; set; }

        /// <summary>The <see cref="FinishReason"/> of a streamed answer whose stream ended without saying it was finished.</summary>
        public const string Incomplete = "incomplete";

        /// <summary>
        /// Whether this is a whole answer, one the answer cache may keep (and give back): the service said it finished
        /// (FinishReason stop, or said nothing, as some compatible servers do) and it holds text or a refusal. An answer
        /// cut short (length, content_filter, a stream or a response that ended <see cref="Incomplete"/>), an empty
        /// one, or one that stopped for anything else (tool_calls, ...) is never kept: a re-run asks again.
        /// </summary>
        public static bool IsWhole(ChatAnswer? answer)
            => answer is not null
               && (answer.FinishReason is null || string.Equals(answer.FinishReason, "stop", StringComparison.Ordinal))
               && (!string.IsNullOrWhiteSpace(answer.Text) || !string.IsNullOrEmpty(answer.Refusal));

        // A count below zero (a service or gateway that miscounts) is no count: 0, as when no usage is given.
        private int _promptTokens;
        private int _completionTokens;
        private int _totalTokens;

        /// <summary>Input tokens, images included; 0 when the service gave none (or a negative count).</summary>
        public int PromptTokens
        {
            get => _promptTokens;
            set => _promptTokens = Math.Max(0, value);
        }

        /// <summary>Output tokens.</summary>
        public int CompletionTokens
        {
            get => _completionTokens;
            set => _completionTokens = Math.Max(0, value);
        }

        /// <summary>Input plus output tokens.</summary>
        public int TotalTokens
        {
            get => _totalTokens;
            set => _totalTokens = Math.Max(0, value);
        }

        /// <summary>From sending the request to the last byte of the answer, retries included.</summary>
        public TimeSpan Duration { get; set; }

        /// <summary>The completion's or response's id.</summary>
        public string? ResponseId { get; set; }

        /// <summary>The conversation a Responses request continued, if any.</summary>
        public string? ConversationId { get; set; }

        /// <summary>"chat" or "responses".</summary>
        public string Api { get; set; } = "chat";

        /// <summary>
        /// The service repeated the API key in this answer (its text, JSON or refusal): it was replaced by "[redacted]"
        /// before the answer reached anyone, the answer cache included.
        /// </summary>
        public bool KeyRedacted { get; set; }
    }
}
