"""Simplified Chinese for the public scan page, keyed by its English text (``t(vi, en)`` in the
templates): buyers in China scan export produce. A text missing here shows in English."""

from __future__ import annotations

ZH: dict[str, str] = {
    "Traceability": "产品溯源",
    "Personal data when you scan": "扫描时的个人数据",
    "This stamp is registered": "此标签已在系统中登记",
    "Stamp revoked": "标签已被撤销",
    "Reason": "原因",
    "Warning: this may be a counterfeit stamp": "警告：可能是假冒标签",
    "This stamp was scanned from too many different places, over several days.": "此标签在多天内被过多不同地点扫描。",
    "Scanned long after the batch's expiry date.": "扫描时间远晚于该批次的保质期。",
    "Stamp": "标签",
    "Producer": "生产者",
    "household": "农户",
    "cooperative": "合作社",
    "Growing area": "种植区域",
    "Area code": "种植区域代码",
    "No official growing-area code yet": "尚无官方种植区域代码",
    "verified": "已核实",
    "unverified": "未核实",
    "suspended": "已暂停",
    "revoked": "已撤销",
    "Harvested (production time)": "采收（生产时间）",
    "Packed": "包装",
    "Packing facility": "包装厂",
    "code": "代码",
    "Best before": "保质期至",
    "Traceability code": "溯源码",
    "Lot": "批号",
    "Brand, product code": "品牌、产品代码",
    "Standards applied": "执行标准",
    "None": "无",
    "Production stages": "生产环节",
    "Product code": "产品代码",
    "agrimarket lot code": "agrimarket 批号",
    "location code: official growing-area code, or area:… (agrimarket area id)": (
        "地点代码：官方种植区域代码，或 area:…（agrimarket 区域编号）"
    ),
    "One step back, one step forward": "上一环节与下一环节",
    "Supplied by": "供应方",
    "Received by": "接收方",
    "Not recorded": "未记录",
    "Where to buy": "购买渠道",
    "Product page on agrimarket": "agrimarket 产品页面",
    "This stamp has been scanned": "此标签已被扫描",
    "times": "次",
    "Enter the PIN under the scratch-off layer": "请输入刮开涂层下的验证码",
    "Verify": "验证",
    "PIN verification": "验证码核验",
    "Back to the stamp's page": "返回标签页面",
    "Stamp not found": "未找到标签",
    "This stamp is not in the system.": "此标签不在系统中。",
    "Check the code again. A product whose stamp is not in the system may be counterfeit.": (
        "请再次核对代码。标签不在系统中的产品可能是假冒产品。"
    ),
}
# The trace answer's warnings (traceability.stamps.public.warning_texts).
REVOKED = "此标签已被撤销：{reason}"
COUNTERFEIT = "警告：可能是假冒标签。"
