using VisionPS.Core.OpenAI;

namespace VisionPS.Core.Batching
{
    /// <summary>One line of a batch's output or error file: the answer to one request, or why it failed.</summary>
    public sealed class BatchOutcome
    {
        internal BatchOutcome(string customId, ChatAnswer? result, OpenAIRequestException? error)
        {
            CustomId = customId;
            Result = result;
            Error = error;
        }

        /// <summary>The request's custom_id.</summary>
        public string CustomId { get; }

        /// <summary>The answer (null when the request failed).</summary>
        public ChatAnswer? Result { get; }

        /// <summary>Why the request failed (null when it was answered).</summary>
        public OpenAIRequestException? Error { get; }
    }
}
