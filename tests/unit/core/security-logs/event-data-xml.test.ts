import { describe, expect, it } from "vitest";
import {
  decodeXmlText,
  EventDataXmlError,
  parseEventDataXml,
} from "../../../../layers/core/security-logs/event-data-xml";

// The shape Microsoft Sentinel's SecurityEvent table keeps (a 5156 of the OTRF Log4Shell dataset, abridged).
const SENTINEL_5156 =
  '<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">\r\n' +
  '  <Data Name="ProcessID">3936</Data>\r\n' +
  '  <Data Name="Application">\\device\\harddiskvolume2\\programdata\\chocolatey\\lib\\tomcat\\tools\\apache-tomcat-9.0.62\\bin\\tomcat9.exe</Data>\r\n' +
  '  <Data Name="Direction">%%14592</Data>\r\n' +
  '  <Data Name="SourceAddress">192.168.3.5</Data>\r\n' +
  '  <Data Name="DestAddress">192.168.2.5</Data>\r\n' +
  '  <Data Name="DestPort">8080</Data>\r\n' +
  "</EventData>";

describe("parseEventDataXml", () => {
  it("reads each named Data element", () => {
    expect(parseEventDataXml(SENTINEL_5156)).toEqual({
      ProcessID: "3936",
      Application:
        "\\device\\harddiskvolume2\\programdata\\chocolatey\\lib\\tomcat\\tools\\apache-tomcat-9.0.62\\bin\\tomcat9.exe",
      Direction: "%%14592",
      SourceAddress: "192.168.3.5",
      DestAddress: "192.168.2.5",
      DestPort: "8080",
    });
  });

  it("decodes entities, keeps empty elements and numbers unnamed ones", () => {
    const xml =
      "<EventData><Data Name='CommandLine'>cmd /c &quot;a &amp; b&quot; &lt;x&gt; &#65;&#x42;</Data>" +
      '<Data Name="Empty"/><Data Name="Blank"></Data><Data>first</Data><Data>second</Data></EventData>';
    expect(parseEventDataXml(xml)).toEqual({
      CommandLine: 'cmd /c "a & b" <x> AB',
      Empty: "",
      Blank: "",
      Data: "first",
      Data_2: "second",
    });
  });

  it("reads an empty EventData", () => {
    expect(parseEventDataXml("<EventData/>")).toEqual({});
    expect(parseEventDataXml("<EventData></EventData>")).toEqual({});
  });

  it("refuses anything else, saying where", () => {
    expect(() => parseEventDataXml("<UserData><x/></UserData>")).toThrow(EventDataXmlError);
    expect(() =>
      parseEventDataXml('<EventData><Data Name="A">1</Data><Binary>00</Binary></EventData>'),
    ).toThrow(/at character 34, found "<Binary>00<\/Binary><\/EventData>"/);
    expect(() => parseEventDataXml('<EventData><Data Name="A">1</Data>')).toThrow(/expected <Data/);
  });

  it("decodeXmlText leaves plain text alone", () => {
    expect(decodeXmlText("C:\\Windows\\System32")).toBe("C:\\Windows\\System32");
  });
});
