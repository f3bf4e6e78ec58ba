using System;
using System.Text;
using OpenAI.Chat;
using OpenAI.Responses;

#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>Turns the SDK's Chat Completions and Responses answers into the core's <see cref="ChatAnswer"/>.</summary>
    internal static class AnswerReader
    {
        /// <summary>
        /// A Chat Completions answer. <paramref name="raw"/>: its body, looked at only when the SDK read no text and no
        /// refusal, to tell an empty answer from a content of the wrong shape (which the SDK reads as empty).
        /// </summary>
        internal static ChatAnswer FromCompletion(ChatCompletion completion, bool json, TimeSpan duration, BinaryData? raw = null)
        {
            ChatMessageContent content;
            try
            {
                content = completion.Content; // the first choice's message: the SDK indexes choices[0]
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new FormatException("the answer has no choices", ex);
            }
            catch (NullReferenceException ex)
            {
                throw new FormatException("the answer's first choice has no message", ex); // "message": null
            }
            if (content is null)
            {
                throw new FormatException("the answer has no message content");
            }
            var text = new StringBuilder();
            foreach (ChatMessageContentPart part in content)
            {
                text.Append(part.Text);
            }
            if (text.Length == 0 && string.IsNullOrEmpty(completion.Refusal) && raw is not null && ContentKind(raw) is string odd)
            {
                throw new FormatException($"the answer's message content is {odd}, not text");
            }
            var answer = new ChatAnswer
            {
                Refusal = string.IsNullOrEmpty(completion.Refusal) ? null : completion.Refusal,
                Api = "chat",
                Text = text.ToString(),
                Model = completion.Model,
                FinishReason = FinishReasonText(completion.FinishReason),
                ResponseId = completion.Id,
                PromptTokens = completion.Usage?.InputTokenCount ?? 0,
                CompletionTokens = completion.Usage?.OutputTokenCount ?? 0,
                TotalTokens = completion.Usage?.TotalTokenCount ?? 0,
                Duration = duration,
            };
            if (json)
            {
                answer.Json = answer.Text;
            }
            return answer;
        }

        /// <summary>
        /// A Responses answer; one that failed, or that holds no answer message (only reasoning), is an error whose
        /// message has <paramref name="scrubber"/>'s secrets removed. <paramref name="streamed"/>: the text a stream
        /// delivered, the answer when the final response event repeats no output.
        /// </summary>
        internal static ChatAnswer FromResponse(ResponseResult response, string? conversationId, bool json, TimeSpan duration, SecretScrubber scrubber, string? streamed = null)
        {
            string? finish = response.Status switch
            {
                ResponseStatus.Completed => "stop",
                ResponseStatus.Incomplete => response.IncompleteStatusDetails?.Reason?.ToString() is string r && r.IndexOf("max", StringComparison.OrdinalIgnoreCase) >= 0 ? "length" : "content_filter",
                null => null,
                ResponseStatus other => throw NotAnAnswer(response, other, scrubber),
            };
            string text = response.GetOutputText() ?? string.Empty;
            string? refusal = RefusalOf(response);
            if (text.Length == 0 && string.IsNullOrEmpty(streamed) && refusal is null && !HasMessage(response))
            {
                throw NoAnswer(response, scrubber);
            }
            var answer = new ChatAnswer
            {
                Api = "responses",
                Refusal = refusal,
                Text = text.Length == 0 && !string.IsNullOrEmpty(streamed) ? streamed! : text,
                Model = response.Model,
                FinishReason = finish,
                ResponseId = response.Id,
                ConversationId = response.ConversationOptions?.ConversationId ?? conversationId,
                PromptTokens = response.Usage?.InputTokenCount ?? 0,
                CompletionTokens = response.Usage?.OutputTokenCount ?? 0,
                TotalTokens = response.Usage?.TotalTokenCount ?? 0,
                Duration = duration,
            };
            if (json)
            {
                answer.Json = answer.Text;
            }
            return answer;
        }

        /// <summary>
        /// What choices[0].message.content is when it is neither text, parts nor null ("an object", "a number"), else null.
        /// </summary>
        private static string? ContentKind(BinaryData raw)
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(raw.ToMemory());
                if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                    && doc.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == System.Text.Json.JsonValueKind.Array
                    && choices.GetArrayLength() > 0 && choices[0].ValueKind == System.Text.Json.JsonValueKind.Object
                    && choices[0].TryGetProperty("message", out var message) && message.ValueKind == System.Text.Json.JsonValueKind.Object
                    && message.TryGetProperty("content", out var content))
                {
                    return content.ValueKind switch
                    {
                        System.Text.Json.JsonValueKind.Object => "an object",
                        System.Text.Json.JsonValueKind.Number => "a number",
                        System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "a boolean",
                        _ => null,
                    };
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // The SDK read it; a second reader that cannot is no reason to lose the answer.
            }
            return null;
        }

        /// <summary>A 200 whose response failed, was cancelled or is not finished: an error, never an empty answer.</summary>
        private static OpenAIRequestException NotAnAnswer(ResponseResult response, ResponseStatus status, SecretScrubber scrubber)
        {
            string? code = response.Error is ResponseError error ? error.Code.ToString() : null;
            string what = status switch
            {
                ResponseStatus.Failed => "The response failed: " + (string.IsNullOrWhiteSpace(response.Error?.Message) ? "the service gave no reason." : response.Error!.Message),
                ResponseStatus.Cancelled => "The response was cancelled before it was finished.",
                _ => $"The response is not finished (status {status.ToString().ToLowerInvariant()}); VisionPS does not ask for background responses.",
            };
            return OpenAIRequestException.NotAnswered(200, code, what, response.Id, scrubber);
        }

        private static bool HasMessage(ResponseResult response)
        {
            foreach (ResponseItem item in response.OutputItems)
            {
                if (item is MessageResponseItem)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>
        /// A response with no answer message: a reasoning model that spent its output limit thinking (status incomplete,
        /// max_output_tokens), or one that ended with nothing to say. An error naming the status and reason, never an
        /// empty answer that looks like one (and would be kept in the answer cache).
        /// </summary>
        private static OpenAIRequestException NoAnswer(ResponseResult response, SecretScrubber scrubber)
        {
            int reasoningItems = 0;
            foreach (ResponseItem item in response.OutputItems)
            {
                if (item is ReasoningResponseItem)
                {
                    reasoningItems++;
                }
            }
            int items = response.OutputItems.Count;
            string holds = items == 0 ? "no output at all"
                : reasoningItems == items ? "no answer message, only the model's reasoning"
                : $"no answer message ({items} output item(s), {reasoningItems} of them reasoning)";
            string status = response.Status?.ToString().ToLowerInvariant() ?? "not given";
            string? reason = response.IncompleteStatusDetails?.Reason?.ToString();
            int? reasoningTokens = response.Usage?.OutputTokenDetails?.ReasoningTokenCount;
            string id = response.Id is null ? string.Empty : $" (response id {response.Id})";
            bool outOfTokens = reason is not null && reason.IndexOf("max", StringComparison.OrdinalIgnoreCase) >= 0;
            string message = $"The response holds {holds} (status {status}{(reason is null ? string.Empty : ": " + reason)}).";
            string hint = outOfTokens
                ? $"The model spent its whole output limit{(reasoningTokens is int r && r > 0 ? $" ({r} reasoning tokens)" : string.Empty)} before writing an answer: raise -MaxTokens (or leave it unset) and send it again{id}."
                : $"Nothing was answered; send it again{id}.";
            return OpenAIRequestException.NoAnswer(200, message, hint, !outOfTokens, scrubber);
        }

        internal static string? RefusalOf(ResponseResult response)
        {
            var refusal = new StringBuilder();
            foreach (ResponseItem item in response.OutputItems)
            {
                if (item is MessageResponseItem message)
                {
                    foreach (ResponseContentPart part in message.Content)
                    {
                        if (part.Kind == ResponseContentPartKind.Refusal)
                        {
                            refusal.Append(part.Refusal);
                        }
                    }
                }
            }
            return refusal.Length == 0 ? null : refusal.ToString();
        }

        internal static string? FinishReasonText(ChatFinishReason reason) => reason switch
        {
            ChatFinishReason.Stop => "stop",
            ChatFinishReason.Length => "length",
            ChatFinishReason.ContentFilter => "content_filter",
            ChatFinishReason.ToolCalls => "tool_calls",
            ChatFinishReason.FunctionCall => "function_call",
            _ => reason.ToString().ToLowerInvariant(),
        };
    }
}
