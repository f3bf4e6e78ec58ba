using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpenAI;
using OpenAI.Assistants;
using OpenAI.Batch;
using OpenAI.Chat;
using OpenAI.Conversations;
using OpenAI.Files;
using OpenAI.Responses;
using VisionPS.Core.Batching;

// Responses, Conversations and Assistants are [Experimental] in the SDK; VisionPS uses them on purpose (issue 4).
#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>Conversations (Responses) and legacy Assistants v2 threads.</summary>
    public sealed partial class VisionClient
    {
        /// <summary>Creates an empty conversation (Conversations API) and returns its id.</summary>
        public async Task<string> CreateConversationAsync(CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            ClientResult result = await GuardAsync(() => _conversations.CreateConversationAsync(BinaryContent.Create(BinaryData.FromString("{}")), Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            return ReadId(result);
        }

        /// <summary>Adds a user message with text and images (file ids, URLs or inline bytes) to a conversation; returns the item's id.</summary>
        public async Task<string> AddConversationItemAsync(string conversationId, string? text, IEnumerable<VisionImageInput>? images, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(conversationId, nameof(conversationId));
            BinaryData body = RequestBuilder.BuildConversationItems(text, images);
            ClientResult result = await GuardAsync(() => _conversations.CreateConversationItemsAsync(conversationId, BinaryContent.Create(body), null, Options(cancellationToken)), cancellationToken).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(result.GetRawResponse().Content.ToMemory());
            if (doc.RootElement.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0
                && data[0].TryGetProperty("id", out JsonElement id) && id.GetString() is string itemId)
            {
                return itemId;
            }
            throw OpenAIRequestException.FromResponse(200, "{\"error\":{\"message\":\"The service answered without the created item.\"}}", null, _scrubber, null);
        }

        /// <summary>Creates an empty Assistants v2 thread (legacy servers) and returns its id.</summary>
        public async Task<string> CreateThreadAsync(CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            ClientResult<AssistantThread> result = await GuardAsync(() => _assistants.CreateThreadAsync(new ThreadCreationOptions(), cancellationToken), cancellationToken).ConfigureAwait(false);
            return result.Value.Id;
        }

        /// <summary>
        /// Adds a user message to an Assistants v2 thread (legacy): images by file id (<c>image_file</c>) or real http(s)
        /// URL (<c>image_url</c>). Inline image bytes are refused before anything is sent: threads reject data: URLs.
        /// </summary>
        public async Task<string> AddThreadMessageAsync(string threadId, string? text, IEnumerable<VisionImageInput>? images, CancellationToken cancellationToken = default)
        {
            ThrowIfDisposed();
            RequireId(threadId, nameof(threadId));
            List<MessageContent> content = RequestBuilder.BuildThreadMessage(threadId, text, images);
            ClientResult<ThreadMessage> result = await GuardAsync(() => _assistants.CreateMessageAsync(threadId, global::OpenAI.Assistants.MessageRole.User, content, null, cancellationToken), cancellationToken).ConfigureAwait(false);
            return result.Value.Id;
        }
    }
}
