using System.Collections.Generic;
using VisionPS.Core.OpenAI;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// The warnings an answer earns, the same for a live answer (Send-VisionChat) and a batch's (Receive-VisionBatch):
    /// an answer that repeated the API key (removed from it), a refusal, an answer cut short by the token limit or by a stream that ended early, one withheld by the content filter.
    /// </summary>
    internal static class AnswerWarnings
    {
        /// <summary>The warnings for <paramref name="answer"/> about <paramref name="target"/>; a cached refusal was warned about when it was paid for.</summary>
        public static IEnumerable<string> For(ChatAnswer answer, string target, bool fromCache = false)
        {
            if (answer.KeyRedacted)
            {
                yield return $"{target}: the answer repeated the API key sent with the request; it is shown as [redacted]. A service that echoes its caller's key may log or show it elsewhere: check the endpoint (-BaseUri) is the one you meant, and replace the key if you do not trust it.";
            }
            if (!fromCache && answer.Refusal is string refusal)
            {
                yield return $"{target}: the model refused to answer: {refusal}";
            }
            if (answer.FinishReason == "length")
            {
                yield return $"{target}: the answer is cut short: it reached the token limit (FinishReason length); raise -MaxTokens for the whole answer.";
            }
            else if (answer.FinishReason == ChatAnswer.Incomplete)
            {
                yield return $"{target}: the answer may be cut short: its stream ended without the service saying it was finished (FinishReason incomplete); send it again without -Stream for the whole answer.";
            }
            else if (answer.FinishReason == "content_filter")
            {
                yield return $"{target}: the service's content filter withheld the answer or part of it (FinishReason content_filter).";
            }
        }
    }
}
