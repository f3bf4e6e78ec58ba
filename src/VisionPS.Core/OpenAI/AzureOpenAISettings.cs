using System;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Azure OpenAI: a resource endpoint, a deployment (which names the model) and an api-version. Authenticates with
    /// the connection's API key (api-key header) or, when set, a Microsoft Entra bearer token.
    /// </summary>
    public sealed class AzureOpenAISettings
    {
        private string? _bearerToken;

        /// <summary>Creates settings for one deployment.</summary>
        public AzureOpenAISettings(Uri endpoint, string deployment, string apiVersion = DefaultApiVersion)
        {
            if (endpoint is null || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
            {
                throw new ArgumentException("The Azure OpenAI endpoint must be an http(s) URI such as https://NAME.openai.azure.com.", nameof(endpoint));
            }
            if (string.IsNullOrWhiteSpace(deployment))
            {
                throw new ArgumentException("An Azure OpenAI deployment name is required.", nameof(deployment));
            }
            if (string.IsNullOrWhiteSpace(apiVersion))
            {
                throw new ArgumentException("An Azure OpenAI api-version is required.", nameof(apiVersion));
            }
            Endpoint = endpoint;
            Deployment = deployment;
            ApiVersion = apiVersion;
        }

        /// <summary>The api-version used when none is given.</summary>
        public const string DefaultApiVersion = "2024-10-21";

        /// <summary>The resource endpoint, e.g. https://NAME.openai.azure.com.</summary>
        public Uri Endpoint { get; }

        /// <summary>The deployment name.</summary>
        public string Deployment { get; }

        /// <summary>The api-version query value.</summary>
        public string ApiVersion { get; }

        /// <summary>A Microsoft Entra access token used instead of the API key; write-only from outside.</summary>
        public string? BearerToken
        {
            internal get => _bearerToken;
            set => _bearerToken = string.IsNullOrEmpty(value) ? null : value;
        }

        /// <summary>Whether a bearer token is set.</summary>
        public bool HasBearerToken => _bearerToken is not null;

        /// <summary>The base for the deployment's routes (chat completions).</summary>
        internal Uri DeploymentUri => new Uri(ResourceUri.AbsoluteUri + "/deployments/" + Uri.EscapeDataString(Deployment));

        /// <summary>The base for resource-wide routes (files, responses, threads).</summary>
        internal Uri ResourceUri => new Uri(Endpoint.GetLeftPart(UriPartial.Authority) + "/openai");

        /// <inheritdoc/>
        public override string ToString() => $"Azure {UriText.Address(Endpoint)} deployment={Deployment} api-version={ApiVersion}";
    }
}
