using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Xml.Linq;
using VisionPS.HelpGen;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>A cmdlet for the generator to document: two sets, pipeline input, an enum, a switch, ShouldProcess.</summary>
    [Cmdlet(VerbsDiagnostic.Test, "HelpSample", DefaultParameterSetName = "ByName", SupportsShouldProcess = true)]
    [OutputType(typeof(string))]
    public sealed class TestHelpSampleCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "ByName")]
        [SupportsWildcards]
        public string[] Name { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "ById")]
        [Alias("Identity")]
        public int Id { get; set; }

        [Parameter]
        public DayOfWeek Day { get; set; } = DayOfWeek.Friday;

        [Parameter]
        public SwitchParameter Force { get; set; }
    }

    public class HelpGeneratorTests
    {
        private const string Type = "T:VisionPS.PowerShell.Tests.TestHelpSampleCommand";

        private static readonly Dictionary<string, string> s_complete = new Dictionary<string, string>
        {
            ["synopsis"] = $"<member name=\"{Type}\"><summary>Tests the help generator.</summary>",
            ["description"] = "<remarks><para>First paragraph, with <c>code</c> and a <see cref=\"T:VisionPS.PowerShell.Tests.TestHelpSampleCommand\"/> reference.</para>\n<para>Second.</para></remarks>",
            ["example1"] = "<example>\n            <code>Test-HelpSample -Name a*\n                | Out-Null</code>\n            <para>Runs it.</para>\n            </example>",
            ["example2"] = "<example><code>'a' | Test-HelpSample -Force</code><para>Pipes it.</para></example></member>",
            ["name"] = $"<member name=\"P:VisionPS.PowerShell.Tests.TestHelpSampleCommand.Name\"><summary>Names to test.</summary></member>",
            ["id"] = $"<member name=\"P:VisionPS.PowerShell.Tests.TestHelpSampleCommand.Id\"><summary>An id.</summary></member>",
            ["day"] = $"<member name=\"P:VisionPS.PowerShell.Tests.TestHelpSampleCommand.Day\"><summary>A day.</summary></member>",
            ["force"] = $"<member name=\"P:VisionPS.PowerShell.Tests.TestHelpSampleCommand.Force\"><summary>Does it anyway.</summary></member>",
        };

        private static XmlDocs Docs(params string[] without)
        {
            var parts = s_complete.Where(kv => !without.Contains(kv.Key)).Select(kv => kv.Value).ToList();
            // Keep the class's member element well-formed when its first or last part is left out.
            if (without.Contains("synopsis"))
            {
                parts.Insert(0, $"<member name=\"{Type}\">");
            }
            if (without.Contains("example2"))
            {
                parts.Insert(parts.FindIndex(p => p.Contains("P:")), "</member>");
            }
            return XmlDocs.Parse("<doc><members>" + string.Join("\n", parts) + "</members></doc>");
        }

        private static CmdletInfo SampleCmdlet()
        {
            var iss = InitialSessionState.CreateDefault2();
            iss.Commands.Add(new SessionStateCmdletEntry("Test-HelpSample", typeof(TestHelpSampleCommand), null));
            using Runspace runspace = RunspaceFactory.CreateRunspace(iss);
            runspace.Open();
            using var ps = System.Management.Automation.PowerShell.Create();
            ps.Runspace = runspace;
            var cmdlet = (CmdletInfo)ps.AddScript("Get-Command Test-HelpSample").Invoke().Single().BaseObject;
            _ = cmdlet.Parameters;
            _ = cmdlet.ParameterSets;
            return cmdlet;
        }

        private static readonly XNamespace s_maml = "http://schemas.microsoft.com/maml/2004/10";
        private static readonly XNamespace s_command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
        private static readonly XNamespace s_dev = "http://schemas.microsoft.com/maml/dev/2004/10";

        [Fact]
        public void CompleteDocsBecomeMamlWithMetadataFromPowerShell()
        {
            HelpResult result = HelpGenerator.Generate(new[] { SampleCmdlet() }, Docs());

            Assert.Empty(result.Problems);
            XElement command = result.Maml!.Root!.Element(s_command + "command")!;
            Assert.Equal("maml", result.Maml.Root.Attribute("schema")!.Value);
            Assert.Equal("Tests the help generator.", command.Element(s_command + "details")!.Element(s_maml + "description")!.Value);
            Assert.Equal(new[] { "First paragraph, with code and a Test-HelpSample reference.", "Second." },
                command.Element(s_maml + "description")!.Elements(s_maml + "para").Select(p => p.Value));

            var parameters = command.Element(s_command + "parameters")!.Elements(s_command + "parameter")
                .ToDictionary(p => p.Element(s_maml + "name")!.Value);
            // Source order, then the ShouldProcess parameters with PowerShell's standard words; no common parameters.
            Assert.Equal(new[] { "Name", "Id", "Day", "Force", "WhatIf", "Confirm" }, parameters.Keys);
            Assert.Equal("Shows what would happen if the cmdlet runs. The cmdlet is not run.", parameters["WhatIf"].Element(s_maml + "description")!.Value);
            XElement name = parameters["Name"];
            Assert.Equal(("true", "0", "True (ByValue)", "true"), (name.Attribute("required")!.Value, name.Attribute("position")!.Value,
                name.Attribute("pipelineInput")!.Value, name.Attribute("globbing")!.Value));
            XElement id = parameters["Id"];
            Assert.Equal(("named", "True (ByPropertyName)", "Identity"),
                (id.Attribute("position")!.Value, id.Attribute("pipelineInput")!.Value, id.Attribute("aliases")!.Value));
            XElement day = parameters["Day"];
            Assert.Equal("Friday", day.Element(s_dev + "defaultValue")!.Value);
            Assert.Equal(Enum.GetNames<DayOfWeek>(), day.Element(s_command + "parameterValueGroup")!.Elements().Select(e => e.Value));
            Assert.Equal("False", parameters["Force"].Element(s_dev + "defaultValue")!.Value);

            var syntax = command.Element(s_command + "syntax")!.Elements(s_command + "syntaxItem").ToList();
            Assert.Equal(2, syntax.Count);
            var byName = syntax[0].Elements(s_command + "parameter").ToList();
            Assert.Equal(new[] { "Name", "Day", "Force", "WhatIf", "Confirm" }, byName.Select(p => p.Element(s_maml + "name")!.Value));
            // A switch takes no value in the syntax line.
            Assert.Null(byName[2].Element(s_command + "parameterValue"));

            var examples = command.Element(s_command + "examples")!.Elements(s_command + "example").ToList();
            Assert.Equal(2, examples.Count);
            // The doc file's member indentation is taken off the code again; the user's own indentation stays.
            Assert.Equal("Test-HelpSample -Name a*\n    | Out-Null", examples[0].Element(s_dev + "code")!.Value);
            Assert.Equal("Runs it.", examples[0].Element(s_dev + "remarks")!.Elements().First().Value);

            var inputs = command.Element(s_command + "inputTypes")!.Descendants(s_dev + "type").Select(t => t.Element(s_maml + "name")!.Value);
            Assert.Equal(new[] { "System.String", "System.Management.Automation.PSObject" }, inputs);
            Assert.Equal("System.String", command.Element(s_command + "returnValues")!.Descendants(s_maml + "name").Single().Value);
        }

        [Theory]
        [InlineData("synopsis", "Test-HelpSample (VisionPS.PowerShell.Tests.TestHelpSampleCommand) has no synopsis")]
        [InlineData("description", "Test-HelpSample (VisionPS.PowerShell.Tests.TestHelpSampleCommand) has no description")]
        [InlineData("id", "parameter -Id has no description: add a /// <summary> to the Id property of VisionPS.PowerShell.Tests.TestHelpSampleCommand")]
        [InlineData("force", "parameter -Force has no description")]
        [InlineData("example2", "has 1 example(s); at least 2 are needed")]
        public void MissingDocsAreProblemsAndNoMaml(string leftOut, string expected)
        {
            HelpResult result = HelpGenerator.Generate(new[] { SampleCmdlet() }, Docs(leftOut));

            Assert.Null(result.Maml);
            string problem = Assert.Single(result.Problems);
            Assert.Contains(expected, problem);
        }

        [Fact]
        public void AnExampleWithoutExplanationIsAProblem()
        {
            string xml = string.Join("\n", s_complete.Values).Replace("<para>Runs it.</para>", string.Empty);
            HelpResult result = HelpGenerator.Generate(new[] { SampleCmdlet() }, XmlDocs.Parse("<doc><members>" + xml + "</members></doc>"));

            Assert.Null(result.Maml);
            Assert.Contains(result.Problems, p => p.Contains("example 1 has no explanation"));
        }

        [Fact]
        public void GeneratorRunOnTheBuiltModuleWithIncompleteDocsFailsNamingEachGapAndLeavesNoHelpFile()
        {
            string dir = Directory.CreateTempSubdirectory("visionps-helpgen-").FullName;
            try
            {
                // The docs of a cmdlet that has only its synopsis: no description, parameters or examples.
                string docs = Path.Combine(dir, "VisionPS.xml");
                File.WriteAllText(docs, "<doc><members><member name=\"T:VisionPS.Commands.GetVisionImageInfoCommand\">" +
                                        "<summary>Reads image headers.</summary></member></members></doc>");
                string output = Path.Combine(dir, "en-US", "VisionPS.dll-Help.xml");
                Directory.CreateDirectory(Path.GetDirectoryName(output)!);
                File.WriteAllText(output, "stale help of an earlier build");

                (int exit, string text) = RunGenerator("--manifest", Paths.Manifest, "--docs", docs, "--out", output);

                Assert.Equal(1, exit);
                Assert.Contains("VisionPS.HelpGen : error VPSHELP1: Get-VisionImageInfo (VisionPS.Commands.GetVisionImageInfoCommand) has no description", text);
                Assert.Contains("error VPSHELP1: Get-VisionImageInfo (VisionPS.Commands.GetVisionImageInfoCommand): parameter -Path has no description", text);
                Assert.Contains("parameter -LiteralPath has no description", text);
                Assert.Contains("has 0 example(s)", text);
                Assert.False(File.Exists(output), "a failed run must not leave an older help file behind");
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        private static (int, string) RunGenerator(params string[] args)
        {
            // The generator is referenced by this project, so it sits next to the tests (with its runtimeconfig).
            string generator = Path.Combine(AppContext.BaseDirectory, "VisionPS.HelpGen.dll");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(generator);
            foreach (string a in args)
            {
                start.ArgumentList.Add(a);
            }
            using Process process = Process.Start(start)!;
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr);
        }
    }
}
